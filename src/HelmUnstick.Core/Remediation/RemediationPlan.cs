using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Workloads;

namespace HelmUnstick.Core.Remediation;

/// <summary>How the stuck revision is taken out of Helm's way. There is deliberately no rollback.</summary>
public enum RemediationStrategy
{
    /// <summary>Delete the stuck revision's Secret (the runbook's way): Helm is one revision behind afterwards.</summary>
    Delete,

    /// <summary>Set the stuck revision's payload and status label to failed: the revision stays in the history.</summary>
    MarkFailed,
}

public enum CheckOutcome
{
    Passed,
    Failed,

    /// <summary>The check failed but the operator overrode it with a recorded reason.</summary>
    Overridden,
}

public sealed record PreflightCheck(string Title, CheckOutcome Outcome, string Summary, IReadOnlyList<string> Evidence)
{
    public bool Blocks => Outcome == CheckOutcome.Failed;
}

/// <summary>The operator's explicit overrides; each needs the one reason, which is recorded.</summary>
public sealed record RemediationOverrides(bool Force, bool SkipCiCheck, string? Reason);

public sealed record RemediationPlan(
    ReleaseHistory History,
    ReleaseDiagnosis Diagnosis,
    RemediationStrategy Strategy,
    IReadOnlyList<PreflightCheck> Checks,
    HelmOutlook Before,
    HelmOutlook After)
{
    public StoredRevision? Target => Diagnosis.StuckRevision;

    public bool NothingToFix => Diagnosis.State != ReleaseState.Stuck;

    public bool Blocked => Checks.Any(c => c.Blocks);

    public string ChangeDescription => Target is not { } t
        ? "nothing to change"
        : Strategy == RemediationStrategy.Delete
            ? $"delete Secret {t.Namespace}/{t.SecretName} (revision {t.Revision}, {t.Status.ToHelmName()}) " +
              $"with preconditions uid={t.Uid} resourceVersion={t.ResourceVersion}"
            : $"update Secret {t.Namespace}/{t.SecretName} (revision {t.Revision}): payload status and status label " +
              $"{t.Status.ToHelmName()} -> failed, with resourceVersion={t.ResourceVersion}";
}

public static class RemediationPlanner
{
    public static RemediationPlan Plan(
        ReleaseHistory history,
        ReleaseDiagnosis diagnosis,
        RemediationStrategy strategy,
        IReadOnlyList<WorkloadHealthFinding> workloads,
        PreflightCheck ciCheck,
        RemediationOverrides overrides,
        TimeSpan staleAfter)
    {
        // Nothing is changed unless a revision is stuck, so only then is there anything to check.
        var checks = diagnosis.StuckRevision is { } stuck
            ? new List<PreflightCheck> { ciCheck, WorkloadCheck(workloads, overrides), StalenessCheck(diagnosis, stuck, overrides, staleAfter) }
            : [];

        var after = diagnosis.StuckRevision is { } target ? HelmOutlook.For(Apply(history, target, strategy)) : HelmOutlook.For(history);
        return new(history, diagnosis, strategy, checks, HelmOutlook.For(history), after);
    }

    /// <summary>The history as it will be once the change is made, for predicting what Helm will believe.</summary>
    public static ReleaseHistory Apply(ReleaseHistory history, StoredRevision target, RemediationStrategy strategy) =>
        strategy == RemediationStrategy.Delete
            ? history.Without(target)
            : history.With(target with
            {
                Release = target.Release?.WithStatus(ReleaseStatus.Failed, target.Release.Description),
                Labels = new Dictionary<string, string>(target.Labels) { ["status"] = "failed" },
            });

    private static PreflightCheck WorkloadCheck(IReadOnlyList<WorkloadHealthFinding> workloads, RemediationOverrides overrides)
    {
        var sick = workloads.Where(w => !w.Healthy).ToList();
        var evidence = workloads
            .Select(w => $"{w.Workload.Kind} {w.Workload.Name}: " + (w.Healthy ? w.Evidence : string.Join("; ", w.Problems) + $" [{w.Evidence}]"))
            .ToList();
        const string title = "Workloads have reconciled";
        if (sick.Count == 0)
        {
            return new(title, CheckOutcome.Passed, $"{workloads.Count} workload(s) up to date", evidence);
        }

        var summary = $"{sick.Count} of {workloads.Count} workload(s) look unhealthy: " +
                      string.Join(", ", sick.Select(s => $"{s.Workload.Kind} {s.Workload.Name}"));
        return overrides.Force
            ? new(title, CheckOutcome.Overridden, $"{summary}; overridden with --force: {overrides.Reason}", evidence)
            : new(title, CheckOutcome.Failed, $"{summary}; investigate them first, or pass --force --reason TEXT", evidence);
    }

    private static PreflightCheck StalenessCheck(ReleaseDiagnosis diagnosis, StoredRevision stuck, RemediationOverrides overrides, TimeSpan staleAfter)
    {
        const string title = "No live helm process owns the pending revision";
        var age = diagnosis.PendingAge is { } a ? Durations.Describe(a) : "unknown";
        var evidence = new[]
        {
            $"revision {stuck.Revision} is {stuck.Status.ToHelmName()} since {stuck.Release?.LastDeployed?.ToString("u") ?? "unknown"} (info.last_deployed), age {age}",
            $"--stale-after {Durations.Describe(staleAfter)}",
        };
        if (diagnosis.IsStale)
        {
            return new(title, CheckOutcome.Passed, $"revision {stuck.Revision} has been pending for {age}", evidence);
        }

        var summary = diagnosis.PendingAge is null
            ? $"revision {stuck.Revision} has no info.last_deployed, so its age is unknown; a helm process may still be running"
            : $"revision {stuck.Revision} has been pending for only {age} (less than --stale-after {Durations.Describe(staleAfter)}); a helm process may still be running";
        return overrides.Force
            ? new(title, CheckOutcome.Overridden, $"{summary}; overridden with --force: {overrides.Reason}", evidence)
            : new(title, CheckOutcome.Failed, $"{summary}; wait, or pass --force --reason TEXT", evidence);
    }
}
