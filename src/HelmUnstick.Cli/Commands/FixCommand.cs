using System.CommandLine;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Unstick;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>fix</c>: the whole runbook. Without <c>--apply</c> it only prints the plan; with it: preflight, backup,
/// change with optimistic concurrency, verify.
/// </summary>
internal sealed class FixCommand(CommonOptions common, CliEnvironment env)
{
    private readonly SafetyOptions _safety = new();

    private readonly Option<RemediationStrategy> _strategy = CommonOptions.Strategy(RemediationStrategy.Delete);

    private readonly Option<bool> _apply = new("--apply") { Description = "Make the change (default: print the plan and change nothing)" };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask for confirmation (required with --apply when not at a terminal)" };
    private readonly BackupOptions _backups = new("With --backup-store file (the default): where to save the Secret before changing it (default: $XDG_STATE_HOME/helm-unstick/backups/<context>/<namespace>)");
    private readonly Option<string?> _report = new("--report") { Description = "Also write a Markdown incident note to FILE (mode 0600): timeline, checks, change, backup, revision diff, next steps", HelpName = "FILE" };
    private readonly Option<bool> _showValues = new("--show-values") { Description = "Print user values in the revision diff (hidden by default: they may be passwords)" };

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
            common.Release, _strategy, _apply, _yes, _report, _showValues, common.ReleaseOutput,
        };
        _backups.AddTo(command);
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
        var release = common.ReleaseOf(result);
        var run = new FixRun(env, common.WantsJson(result), new IncidentRecord("fix", release, ns, session.ContextName));
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
        catch (EngineException e)
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
        var verbose = result.GetValue(common.Verbose);
        var strategy = result.GetValue(_strategy);
        var backupTarget = _backups.Target(result, dir => dir ?? SecretBackup.DefaultDirectory(env, session.ContextName, record.Namespace), CommonOptions.PodNamespace() ?? session.DefaultNamespace);
        var request = _safety.Request(result, env, session, record.Release, record.Namespace, strategy, backupTarget);
        var engine = new UnstickEngine(session, AuditLog.For(env), env.Clock, common.DriverOf(result, env));
        var plan = await SafetyOptions.PlanAsync(engine, request, env, ct);
        record.Plan = plan;
        record.Outlook = plan.Before;
        record.Record(env.Now, $"Read {plan.History.Revisions.Count} revision(s) of release {record.Release}: {plan.Before.Summary}");
        foreach (var check in plan.Checks)
        {
            record.Record(env.Now, $"Check \"{CheckText.Title(check)}\": {check.Outcome.ToString().ToLowerInvariant()} - {CheckText.Summary(check)}");
        }

        if (plan.NothingToFix)
        {
            if (!run.Json)
            {
                PreflightText.Write(env.Console, plan, verbose);
            }

            record.Outcome = $"nothing to fix: {plan.Before.Summary}";
            run.Say($"Nothing to fix: {plan.Before.Summary}");
            return ExitCodes.Ok;
        }

        // Everything is read before anything is printed: the decision comes first, and no progress line cuts into the text.
        await ExplainAsync(result, session, run, plan, ct);
        if (!run.Json)
        {
            PreflightText.Write(env.Console, plan, verbose);
            WritePlan(run, plan, verbose);
        }

        if (plan.Blocked)
        {
            record.Outcome = "blocked by a check: nothing was changed";
            run.Say("Blocked: nothing was changed. Resolve the checks marked BLOCKED, or override them with --reason TEXT as their lines say.");
            return ExitCodes.Blocked;
        }

        if (!result.GetValue(_apply))
        {
            record.Outcome = "dry run: nothing was changed";
            run.Say("Dry run: nothing was changed. To apply:");
            run.Say($"  {NextCommand.FixApply(result)}");
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
            var again = await SafetyOptions.PlanAsync(engine, request, env, ct);
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
        var kubeconfig = common.Target(result).Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "";
        var restoreHint = applied.Backup is { } backup ? $"helm-unstick restore '{backup}'{kubeconfig} --context '{session.ContextName}' --apply" : null;
        var code = UnstickResultText.Report(env, run, applied, restoreHint);
        if (applied.Outcome == UnstickOutcome.Fixed)
        {
            if (record.Explanation is { } explained)
            {
                await VerifyLiveStateAsync(session, run, explained, verbose, ct);
            }

            run.Say($"Fixed. Next: re-run the last failed deploy job; {(record.Explanation is { } before ? LiveStateText.NextUpgrade(before) : "expect Helm to report a change (it is one revision behind)")}.");
        }

        return code;
    }

    /// <summary>The revision diff and live state are advice: when they cannot be read, the fix itself still proceeds.</summary>
    private async Task ExplainAsync(ParseResult result, ClusterSession session, FixRun run, RemediationPlan plan, CancellationToken ct)
    {
        try
        {
            var (stuck, previous) = ExplainedRelease.ChooseRevisions(plan.History, plan.Target!.Revision);
            var explained = await ProgressReporter.For(env).RunAsync("Reading the release's objects from the cluster", status =>
                ExplainedRelease.ReadAsync(ExplainedRelease.Reader(session, status), plan.History, stuck, previous, result.GetValue(_showValues), ct), ct);
            run.Record.Explanation = explained;
            run.Record.Record(env.Now, $"Compared revision {stuck.Revision} with {(previous is null ? "no previous revision" : $"revision {previous.Revision}")} and the live objects: {explained.Explanation.Summary}");
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            run.Record.ExplanationError = e.Message;
        }
    }

    /// <summary>After the change: the live state again, printed only when it moved (or with -v).</summary>
    private async Task VerifyLiveStateAsync(ClusterSession session, FixRun run, ExplainedRelease explained, bool verbose, CancellationToken ct)
    {
        try
        {
            var after = await explained.RereadAsync(new LiveObjectReader(session), ct);
            run.Record.Verification = after;
            run.Record.Record(env.Now, $"Compared the live objects again: {after.Explanation.Summary}");
            if (verbose)
            {
                run.Say("  Live now:");
                WriteObjects(run, after);
            }
            else if (!LiveStateText.SameAs(explained, after))
            {
                run.Say($"  Live now: {LiveStateText.Grouped(after)}");
            }
        }
        catch (Exception e)
        {
            run.Record.ExplanationError = e.Message;
            run.Say($"  Live now: not known ({e.Message})");
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

    /// <summary>The plan in three lines, then what the cluster runs: grouped, or every object with -v.</summary>
    private void WritePlan(FixRun run, RemediationPlan plan, bool verbose)
    {
        run.Say($"  Plan ({StrategyNames.Of(plan.Strategy)}): {plan.ChangeDescription}");
        run.Say($"    Before: {plan.Before.Summary}");
        run.Say($"    After:  {plan.After.Summary}");
        if (run.Record.Explanation is not { } explained)
        {
            run.Say($"  Live: not known ({run.Record.ExplanationError})");
        }
        else if (verbose)
        {
            var previous = explained.Previous is { } p ? $"{p.Revision}" : "nothing before it";
            run.Say($"  Live (revision {explained.StuckRevision} vs {previous}): {explained.Explanation.Summary}");
            WriteObjects(run, explained);
        }
        else
        {
            run.Say($"  Live: {LiveStateText.Grouped(explained)}");
        }
    }

    private void WriteObjects(FixRun run, ExplainedRelease explained)
    {
        if (!run.Json)
        {
            ExplanationText.WriteObjects(env, explained, "    ");
        }
    }
}
