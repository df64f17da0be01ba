using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Explain;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Storage;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Engine.Unstick;

/// <summary>What <c>fix</c> is asked to do.</summary>
/// <param name="Apply">Make the change; otherwise stop at the plan (a dry run).</param>
/// <param name="Confirm">Ask the host before the change, then check again: a deploy may have started while the person read.</param>
/// <param name="ShowValues">Keep user values in the revision diff.</param>
/// <param name="RestoreCommand">The command that puts a backup back, as the note and the error lines give it.</param>
/// <param name="RetryCi">The runbook's last step, taken only after a verified fix: re-run the failed deploy job.</param>
internal sealed record FixRequest(
    UnstickRequest Unstick,
    bool Apply,
    bool Confirm,
    bool ShowValues,
    Func<string, string> RestoreCommand,
    Func<CancellationToken, Task<CiRetryReport>>? RetryCi = null);

/// <summary>How a fix run ended; each ending has its own last lines and exit code.</summary>
internal enum FixEnding
{
    /// <summary>No revision is stuck.</summary>
    NothingToFix,

    /// <summary>A check failed; nothing was changed.</summary>
    Blocked,

    /// <summary>The plan only; nothing was changed.</summary>
    DryRun,

    /// <summary>The person did not confirm; nothing was changed.</summary>
    NotConfirmed,

    /// <summary>The checks read again after the confirmation differ; nothing was changed.</summary>
    ChecksChanged,

    /// <summary>The change was attempted: <see cref="FixReport.Applied"/> says how it went.</summary>
    Applied,
}

/// <summary>Everything a fix run did and found; the incident record is complete (timeline, checks, change, outcome).</summary>
/// <param name="Applied">The apply's result, once the change was attempted.</param>
/// <param name="LiveNow">After a verified change: the live objects compared again, or why they could not be.</param>
/// <param name="RetryCiFollows">The CI retry runs after the change (asked for, and the fix was verified).</param>
/// <param name="Error">The one error line the run ends with: an apply that failed before, at or right after the write.</param>
internal sealed record FixReport(
    IncidentRecord Record,
    FixEnding Ending,
    UnstickResult? Applied = null,
    ExplanationRead? LiveNow = null,
    bool RetryCiFollows = false,
    string? Error = null)
{
    public RemediationPlan Plan => Record.Plan!;
}

/// <summary>Where a fix run shows its progress and what it found, and asks, before it changes anything.</summary>
internal interface IFixHost : IStepProgress
{
    /// <summary>The plan is made and, when a revision is stuck, the explanation read; nothing was asked or changed yet.</summary>
    void Planned(IncidentRecord record);

    /// <summary>Whether the person agrees to the planned change.</summary>
    bool Confirm(RemediationPlan plan);

    /// <summary>The change was attempted (and, when verified, the live objects compared again); the CI retry, if any, comes next.</summary>
    void Applied(FixReport report);
}

/// <summary>A fix run that ended before it could report how the change went; <see cref="Record"/> says how far it got.</summary>
internal sealed class FixFailedException(IncidentRecord record, Exception cause) : Exception(cause.Message, cause)
{
    public IncidentRecord Record { get; } = record;
}

/// <summary>
/// <c>fix</c> as one use case: plan and check, explain, and with <see cref="FixRequest.Apply"/> confirm, back up,
/// change, verify, compare the live objects again, and re-run the failed deploy job when asked. The incident record
/// it returns is complete: nothing outside fills it in.
/// </summary>
internal sealed class FixService(ClusterSession session, IReleaseStore store, TimeProvider clock, AuditLog audit)
{
    private readonly UnstickEngine _engine = new(session, store, clock);

    /// <exception cref="FixFailedException">The run failed before the change (or unexpectedly); the record says how far it got.</exception>
    public async Task<FixReport> RunAsync(FixRequest request, IFixHost host, CancellationToken ct)
    {
        var record = new IncidentRecord("fix", request.Unstick.Release, request.Unstick.Namespace, session.ContextName);
        try
        {
            return await RunAsync(request, record, host, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            // The note and the JSON still say how far the run got.
            record.Outcome = $"error: {e.Message}";
            throw new FixFailedException(record, e);
        }
    }

    private async Task<FixReport> RunAsync(FixRequest request, IncidentRecord record, IFixHost host, CancellationToken ct)
    {
        var plan = await _engine.PlanAsync(request.Unstick, host, ct);
        record.Plan = plan;
        record.Outlook = plan.Before;
        record.Record(clock.GetUtcNow(), $"Read {plan.History.Revisions.Count} revision(s) of release {record.Release}: {plan.Before.Summary}");
        foreach (var check in plan.Checks)
        {
            record.Record(clock.GetUtcNow(), $"Check \"{CheckText.Title(check)}\": {check.Outcome.ToString().ToLowerInvariant()} - {CheckText.Summary(check)}");
        }

        if (plan.NothingToFix)
        {
            record.Outcome = $"nothing to fix: {plan.Before.Summary}";
            host.Planned(record);
            return new(record, FixEnding.NothingToFix);
        }

        // Everything is read before anything is shown: the decision comes first, and no progress line cuts into the text.
        var read = await host.RunAsync("Reading the release's objects from the cluster", status =>
            ExplainedRelease.AdviseAsync(session, plan, request.ShowValues, status, ct), ct);
        record.Explained(read, clock.GetUtcNow());
        host.Planned(record);
        if (plan.Blocked)
        {
            return Ended(record, FixEnding.Blocked, "blocked by a check: nothing was changed");
        }

        if (!request.Apply)
        {
            return Ended(record, FixEnding.DryRun, "dry run: nothing was changed");
        }

        if (request.Confirm)
        {
            if (!host.Confirm(plan))
            {
                return Ended(record, FixEnding.NotConfirmed, "not confirmed: nothing was changed");
            }

            var again = await _engine.PlanAsync(request.Unstick, host, ct);
            if (again.Blocked || again.Target?.ResourceVersion != plan.Target?.ResourceVersion)
            {
                record.Plan = again;
                return Ended(record, FixEnding.ChecksChanged, "the checks changed while waiting for confirmation: nothing was changed");
            }

            plan = again;
        }

        var applied = await _engine.ApplyAsync(request.Unstick, plan, audit, ct);
        var restore = applied.Backup is { } backup ? request.RestoreCommand(backup) : null;
        record.Add(applied.Incident, restore);
        var error = ErrorLine(applied, record, restore);
        if (error is not null)
        {
            record.Outcome = $"error: {error}";
        }

        var fixedNow = applied.Outcome == UnstickOutcome.Fixed;
        var liveNow = fixedNow && record.Explanation is { } explained ? await explained.AfterChangeAsync(session, ct) : null;
        if (liveNow is not null)
        {
            record.ComparedAgain(liveNow, clock.GetUtcNow());
        }

        var report = new FixReport(record, FixEnding.Applied, applied, liveNow, fixedNow && request.RetryCi is not null, error);
        host.Applied(report);
        if (report.RetryCiFollows)
        {
            record.Add(await request.RetryCi!(ct));
        }

        return report;
    }

    private static FixReport Ended(IncidentRecord record, FixEnding ending, string outcome)
    {
        record.Outcome = outcome;
        return new(record, ending);
    }

    /// <summary>The line an apply that failed ends the run with; null when it changed (verification failures are reported, not ended on).</summary>
    private static string? ErrorLine(UnstickResult applied, IncidentRecord record, string? restore) => (applied.FailedStep, applied.Outcome) switch
    {
        (null, UnstickOutcome.Fixed or UnstickOutcome.AlreadyFixed) or (UnstickStep.Verification, _) => null,
        (UnstickStep.Write, UnstickOutcome.ChangedBySomeoneElse) =>
            $"{applied.Problem}; nothing was changed by this run. Check with: helm history {record.Release} -n {record.Namespace}",
        (UnstickStep.Reread or UnstickStep.Write, UnstickOutcome.RefusedConcurrentChange) => $"{applied.Problem}; nothing was changed, run fix again",
        (UnstickStep.AuditLog, _) => $"{applied.Problem}; nothing was changed (make it writable, or set XDG_STATE_HOME)",
        (UnstickStep.Backup, _) => $"{applied.Problem}; nothing was changed (choose another --backup-dir)",
        (UnstickStep.Write, _) => $"{applied.Problem}; re-read: {applied.AfterFailedWrite!.Value.Words()}. Backup: {applied.Backup}; to undo: {restore}",
        _ => applied.Problem ?? applied.Outcome.ToString(),
    };
}
