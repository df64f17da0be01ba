using System.CommandLine;
using HelmUnstick.Cli.Engine;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Cli.Safety;
using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>fix</c>: the whole runbook. Without <c>--apply</c> it only prints the plan; with it: preflight, backup,
/// change with optimistic concurrency, verify.
/// </summary>
internal sealed class FixCommand(CommonOptions common, CliEnvironment env)
{
    private readonly Argument<string> _release = CommonOptions.Release();
    private readonly SafetyOptions _safety = new();

    private readonly Option<RemediationStrategy> _strategy = CommonOptions.Choice(
        "--strategy",
        "delete: delete the stuck revision's Secret (the runbook's way; Helm is then one revision behind). " +
        "mark-failed: set its payload and status label to failed (the revision stays in the history)",
        RemediationStrategy.Delete,
        StrategyNames.All.Select(s => (s, StrategyNames.Of(s))).ToArray());

    private readonly Option<bool> _apply = new("--apply") { Description = "Make the change (default: print the plan and change nothing)" };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask for confirmation (required with --apply when not at a terminal)" };
    private readonly Option<string?> _backupDir = new("--backup-dir") { HelpName = "DIR", Description = "Where to save the Secret before changing it (default: $XDG_STATE_HOME/helm-unstick/backups/<context>/<namespace>)" };
    private readonly Option<string?> _report = new("--report") { Description = "Also write a Markdown incident note to FILE (mode 0600): timeline, checks, change, backup, revision diff, next steps", HelpName = "FILE" };
    private readonly Option<bool> _showValues = new("--show-values") { Description = "Print user values in the revision diff (hidden by default: they may be passwords)" };
    private readonly Option<OutputFormat> _output = CommonOptions.Output();

    public Command Build()
    {
        var command = new Command("fix", """
            Unstick one release the runbook's way, never by rollback.
            Without --apply: the plan (each runbook step, the exact Secret, revision and resourceVersion, what Helm will
            believe afterwards, and which objects already run the stuck revision's spec); nothing is changed.
            With --apply: preflight, backup, change, verify, and check the objects against the cluster again.
            -o json prints the plan, checks, outcome and explanation as one object instead of text.
            Exit codes: 0 done and verified (or nothing to fix), 1 blocked by a check (nothing changed), 2 usage error,
            3 cluster/API error (nothing changed), 4 changed but not verified (the message gives the restore command).
            """)
        {
            _release, _strategy, _apply, _yes, _backupDir, _report, _showValues, _output,
        };
        _safety.AddTo(command);
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var apply = result.GetValue(_apply);
        if (apply && !result.GetValue(_yes) && !env.IsInteractive)
        {
            throw new CliException(ExitCodes.Usage, "--apply without a terminal needs --yes; nothing was changed");
        }

        var (session, ns) = common.Connect(result, env);
        using var _ = session;
        var release = result.GetValue(_release)!;
        var run = new FixRun(env, result.GetValue(_output) == OutputFormat.Json, new IncidentRecord("fix", release, ns, session.ContextName));
        try
        {
            var code = await PlanAndApplyAsync(result, session, run, ct);
            Finish(result, run, code);
            return code;
        }
        catch (CliException e)
        {
            run.Record.Outcome = $"error: {e.Message}";
            Finish(result, run, e.ExitCode);
            throw;
        }
        catch (UnstickException e)
        {
            run.Record.Outcome = $"error: {e.Message}";
            Finish(result, run, ExitCodes.For(e.Failure));
            throw;
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            // Unexpected, but the note and the JSON still say how far the run got.
            run.Record.Outcome = $"error: {e.Message}";
            Finish(result, run, ExitCodes.ClusterError);
            throw;
        }
    }

    private async Task<int> PlanAndApplyAsync(ParseResult result, ClusterSession session, FixRun run, CancellationToken ct)
    {
        var record = run.Record;
        var strategy = result.GetValue(_strategy);
        var request = _safety.Request(result, env, session, record.Release, record.Namespace, strategy, result.GetValue(_backupDir));
        var engine = new UnstickEngine(session, AuditLog.For(env), env.Clock, common.DriverOf(result, env));
        var plan = await engine.PlanAsync(request, ct);
        record.Plan = plan;
        record.Outlook = plan.Before;
        record.Record(env.Now, $"Read {plan.History.Revisions.Count} revision(s) of release {record.Release}: {plan.Before.Summary}");
        foreach (var check in plan.Checks)
        {
            record.Record(env.Now, $"Check \"{CheckText.Title(check)}\": {check.Outcome.ToString().ToLowerInvariant()} - {CheckText.Summary(check)}");
        }

        if (!run.Json)
        {
            PreflightText.Write(env.Console, plan);
        }

        if (plan.NothingToFix)
        {
            record.Outcome = $"nothing to fix: {plan.Before.Summary}";
            run.Say($"Nothing to fix: {plan.Before.Summary}");
            return ExitCodes.Ok;
        }

        RenderPlan(run, plan);
        var reader = new LiveObjectReader(session);
        await ExplainAsync(result, run, reader, plan, ct);
        if (plan.Blocked)
        {
            record.Outcome = "blocked by a check: nothing was changed";
            run.Say("Blocked: nothing was changed. Resolve the checks marked BLOCKED, or override with a reason.");
            return ExitCodes.Blocked;
        }

        if (!result.GetValue(_apply))
        {
            record.Outcome = "dry run: nothing was changed";
            run.Say($"Dry run: nothing was changed. To apply: helm-unstick fix {record.Release} -n {record.Namespace} --strategy {StrategyNames.Of(strategy)} --apply");
            return ExitCodes.Ok;
        }

        if (!result.GetValue(_yes))
        {
            if (env.Confirm?.Invoke($"Apply: {plan.ChangeDescription}?") != true)
            {
                record.Outcome = "not confirmed: nothing was changed";
                run.Say("Not confirmed: nothing was changed.");
                return ExitCodes.Blocked;
            }

            // The operator may have sat at the prompt for a while: a deploy may have started meanwhile.
            var again = await engine.PlanAsync(request, ct);
            if (again.Blocked || again.Target?.ResourceVersion != plan.Target?.ResourceVersion)
            {
                record.Plan = again;
                record.Outcome = "the checks changed while waiting for confirmation: nothing was changed";
                run.Say("The checks changed while waiting for confirmation; nothing was changed. Run fix again.");
                return ExitCodes.Blocked;
            }

            plan = again;
        }

        var applied = await engine.ApplyAsync(request, plan, ct);
        var code = Report(result, session, run, applied);
        if (applied.Outcome == UnstickOutcome.Fixed && record.Explanation is { } explained)
        {
            await VerifyLiveStateAsync(run, reader, explained, ct);
        }

        return code;
    }

    /// <summary>Says how the apply ended; failures before or during the write end the run as one error line.</summary>
    private int Report(ParseResult result, ClusterSession session, FixRun run, UnstickResult applied)
    {
        var record = run.Record;
        var plan = applied.Plan;
        foreach (var step in applied.Events)
        {
            record.Record(step.Time, step.Step);
        }

        foreach (var warning in applied.Warnings)
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        string? restoreHint = null;
        if (applied.Backup is { } backup)
        {
            var kubeconfig = common.Target(result).Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "";
            restoreHint = $"helm-unstick restore '{backup}'{kubeconfig} --context '{session.ContextName}' --apply";
            record.Backup = backup;
            record.RestoreCommand = restoreHint;
            run.Say($"  Backup: {backup}");
        }

        switch (applied.FailedStep, applied.Outcome)
        {
            case (null, UnstickOutcome.Fixed):
                var outlook = applied.Verification!.Observed!;
                record.Change = plan.ChangeDescription;
                record.Outlook = outlook;
                record.Outcome = $"changed and verified: {outlook.Summary}";
                run.Say($"  Changed: {plan.ChangeDescription}");
                run.Say($"  Verified: {outlook.Summary}");
                run.Say("  Next: re-run the last failed deploy job; expect Helm to report a change (it is one revision behind) that applies nothing new.");
                return ExitCodes.Ok;
            case (UnstickStep.Reread or UnstickStep.Write, UnstickOutcome.RefusedConcurrentChange):
                throw new CliException(ExitCodes.Blocked, $"{applied.Problem}; nothing was changed, run fix again");
            case (UnstickStep.Backup, _):
                throw new CliException(ExitCodes.For(applied.Outcome), $"{applied.Problem}; nothing was changed (choose another --backup-dir)");
            case (UnstickStep.Write, _):
                var state = UnstickEngine.StateWords(applied.AfterFailedWrite!.Value);
                if (applied.Outcome == UnstickOutcome.ChangedUnverified)
                {
                    record.Change = $"uncertain: the request to {plan.ChangeDescription} failed with an error; re-read: {state}";
                }

                throw new CliException(ExitCodes.For(applied.Outcome), $"{applied.Problem}; re-read: {state}. Backup: {applied.Backup}; to undo: {restoreHint}");
            case (UnstickStep.Verification, _):
                var verification = applied.Verification!;
                record.Change = plan.ChangeDescription;
                record.Outlook = verification.Observed ?? record.Outlook;
                record.Outcome = $"changed but not verified: {applied.Problem}";
                run.Say($"  Changed: {plan.ChangeDescription}");
                env.Error.WriteLine(verification.ReadError is not null
                    ? $"error: the change was made but {applied.Problem}; check with: helm history {record.Release} -n {record.Namespace}; to undo: {restoreHint}"
                    : $"error: verification failed: {applied.Problem}; to undo: {restoreHint}");
                return ExitCodes.For(applied.Outcome);
            default:
                throw new CliException(ExitCodes.For(applied.Outcome), applied.Problem ?? applied.Outcome.ToString());
        }
    }

    /// <summary>The revision diff and live state are advice: when they cannot be read, the fix itself still proceeds.</summary>
    private async Task ExplainAsync(ParseResult result, FixRun run, LiveObjectReader reader, RemediationPlan plan, CancellationToken ct)
    {
        try
        {
            var (stuck, previous) = ExplainedRelease.ChooseRevisions(plan.History, plan.Target!.Revision);
            var explained = await ExplainedRelease.ReadAsync(reader, plan.History, stuck, previous, result.GetValue(_showValues), ct);
            run.Record.Explanation = explained;
            run.Record.Record(env.Now, $"Compared revision {stuck.Revision} with {(previous is null ? "no previous revision" : $"revision {previous.Revision}")} and the live objects: {explained.Explanation.Summary}");
            if (!run.Json)
            {
                ExplanationText.WriteCompact(env, explained, $"What the cluster runs (revision {stuck.Revision} vs {(previous is null ? "nothing before it" : previous.Revision)})", "    ");
            }
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            run.Record.ExplanationError = e.Message;
            run.Say($"    What the cluster runs: not known ({e.Message})");
        }
    }

    private async Task VerifyLiveStateAsync(FixRun run, LiveObjectReader reader, ExplainedRelease explained, CancellationToken ct)
    {
        try
        {
            var after = await explained.RereadAsync(reader, ct);
            run.Record.Verification = after;
            run.Record.Record(env.Now, $"Compared the live objects again: {after.Explanation.Summary}");
            if (!run.Json)
            {
                ExplanationText.WriteCompact(env, after, "Live state now", "  ");
            }
        }
        catch (Exception e)
        {
            run.Record.ExplanationError = e.Message;
            run.Say($"  Live state now: not known ({e.Message})");
        }
    }

    private void Finish(ParseResult result, FixRun run, int exitCode)
    {
        if (result.GetValue(_report) is { } report)
        {
            try
            {
                IncidentReport.Write(report, IncidentReport.ToMarkdown(run.Record, env.Now));
                run.Say($"  Report: {report}");
            }
            catch (Exception e)
            {
                // The outcome (and any change) stands; a note that could not be written must not hide it.
                env.Error.WriteLine($"warning: the report {report} was not written: {e.Message}");
            }
        }

        if (run.Json)
        {
            var json = IncidentReport.ToJsonObject(run.Record);
            json["exitCode"] = exitCode;
            env.WriteData(json.ToJsonString(Json.Options));
        }
    }

    private static void RenderPlan(FixRun run, RemediationPlan plan)
    {
        run.Say($"  Plan ({StrategyNames.Of(plan.Strategy)}): {plan.ChangeDescription}");
        run.Say($"    Before: {plan.Before.Summary}");
        run.Say($"    After:  {plan.After.Summary}");
    }
}

/// <summary>One fix invocation: where its human text goes (nowhere with -o json) and what the incident note collects.</summary>
internal sealed class FixRun(CliEnvironment env, bool json, IncidentRecord record)
{
    public bool Json { get; } = json;

    public IncidentRecord Record { get; } = record;

    public void Say(string line)
    {
        if (!Json)
        {
            env.WriteData(line);
        }
    }
}
