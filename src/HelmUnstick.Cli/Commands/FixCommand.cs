using System.CommandLine;
using HelmUnstick.Engine.Explain;
using HelmUnstick.Engine.Ci;
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
    private readonly ReportOptions _report = new("Also write a Markdown incident note to FILE (mode 0600): timeline, checks, change, backup, revision diff, next steps");
    private readonly Option<bool> _retryCi = new("--retry-ci")
    {
        Description = "After a verified fix, re-run the newest failed deploy job of the mapped environments (GitLab: retry the job; " +
                      "GitHub: re-run the failed jobs of its workflow run) and print its URL; never while CI deploys",
    };

    private readonly CiRetryOptions _retry = new();
    private readonly Option<bool> _showValues = new("--show-values") { Description = "Print user values in the revision diff (hidden by default: they may be passwords); a Secret's data is never printed" };

    public Command Build()
    {
        var command = new Command("fix", """
            Unstick one release the runbook's way, never by rollback.
            Without --apply: the plan (each runbook step, the exact Secret, revision and resourceVersion, what Helm will
            believe afterwards, and which objects already run the stuck revision's spec); nothing is changed.
            With --apply: preflight, backup, change, verify, and check the objects against the cluster again.
            -o json prints the plan, checks, outcome and explanation as one object instead of text.
            With --retry-ci (after a verified fix only): re-run the failed deploy job; --follow it to its end and read the
            release again.
            Exit codes: 0 done and verified (or nothing to fix; with --retry-ci --follow: remediated), 1 blocked by a check
            (nothing changed), or the retry found no failed job, failed or did not end in "remediated", 2 usage error,
            3 cluster/API error (nothing changed), 4 changed but not verified (the message gives the restore command).
            """)
        {
            common.Release, _strategy, _apply, _yes, _showValues, common.ReleaseOutput, _retryCi,
        };
        _report.AddTo(command);
        _backups.AddTo(command);
        _safety.AddTo(command);
        _retry.AddTo(command, r => r.GetValue(_retryCi), "--retry-ci");
        command.Validators.Add(r =>
        {
            if (r.GetValue(_retryCi) && !r.GetValue(_apply))
            {
                r.AddError("--retry-ci needs --apply: the job is re-run only after a verified fix");
            }
        });
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var apply = CommonOptions.ApplyAsked(result, _apply, _yes, env);

        var (session, ns) = common.Connect(result, env);
        using var _ = session;
        var release = common.ReleaseOf(result);
        var retrySources = result.GetValue(_retryCi) ? CiRetryOptions.Sources(_safety, result, env, session, "--retry-ci") : null;
        var run = new FixRun(env, common.WantsJson(result), new IncidentRecord("fix", release, ns, session.ContextName));
        try
        {
            var code = await PlanAndApplyAsync(result, session, run, retrySources, ct);
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

    private async Task<int> PlanAndApplyAsync(ParseResult result, ClusterSession session, FixRun run, CiSources? retrySources, CancellationToken ct)
    {
        var record = run.Record;
        var verbose = result.GetValue(common.Verbose);
        var strategy = result.GetValue(_strategy);
        var backupTarget = _backups.Target(result, dir => dir ?? BackupFiles.DefaultDirectory(env, session.ContextName, record.Namespace), CommonOptions.PodNamespace() ?? session.DefaultNamespace);
        var request = _safety.Request(result, env, session, record.Release, record.Namespace, strategy, backupTarget);
        var engine = new UnstickEngine(session, new KubeReleaseStore(session, common.DriverOf(result, env)), env.Clock);
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

        var applied = await engine.ApplyAsync(request, plan, AuditLog.For(env), ct);
        var kubeconfig = common.Target(result).Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "";
        var restoreHint = applied.Backup is { } backup ? $"helm-unstick restore '{backup}'{kubeconfig} --context '{session.ContextName}' --apply" : null;
        var (code, error) = UnstickResultText.Report(env, run, applied, restoreHint);
        if (error is not null)
        {
            throw new CliException(code, error);
        }

        if (applied.Outcome == UnstickOutcome.Fixed)
        {
            if (record.Explanation is { } explained)
            {
                await VerifyLiveStateAsync(session, run, explained, verbose, ct);
            }

            if (retrySources is null || code != ExitCodes.Ok)
            {
                run.Say($"Fixed. Next: re-run the last failed deploy job; {(record.Explanation is { } before ? LiveStateText.NextUpgrade(before) : "expect Helm to report a change (it is one revision behind)")}.");
            }
            else
            {
                run.Say("Fixed. Re-running the last failed deploy job (--retry-ci):");
                code = await RetryAsync(result, session, run, retrySources, ct);
            }
        }

        return code;
    }

    /// <summary>The runbook's last step, after a verified fix: re-run the failed deploy job, and follow it when asked.</summary>
    private async Task<int> RetryAsync(ParseResult result, ClusterSession session, FixRun run, CiSources sources, CancellationToken ct)
    {
        var record = run.Record;
        var report = await _retry.RunAsync(result, env, session, common.DriverOf(result, env), sources, _safety, record.Release, record.Namespace, ct);
        record.Retry = report;
        foreach (var step in report.Events)
        {
            record.Record(step.Time, step.Step);
        }

        foreach (var warning in report.Warnings)
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        foreach (var line in CiRetryText.Lines(report))
        {
            run.Say(line);
        }

        record.Outcome = $"{record.Outcome}; retry: {CiRetryText.Summary(report)}";
        if (report.After?.Outlook is { } outlook)
        {
            record.Outlook = outlook;
        }

        return CiRetryText.ExitCode(report);
    }

    /// <summary>The revision diff and live state are advice: when they cannot be read, the fix itself still proceeds.</summary>
    private async Task ExplainAsync(ParseResult result, ClusterSession session, FixRun run, RemediationPlan plan, CancellationToken ct)
    {
        var read = await ProgressReporter.For(env).RunAsync("Reading the release's objects from the cluster", status =>
            ExplainedRelease.AdviseAsync(session, plan, result.GetValue(_showValues), status, ct), ct);
        if (read.Explained is not { } explained)
        {
            run.Record.ExplanationError = read.Error;
            return;
        }

        run.Record.Explanation = explained;
        run.Record.Record(env.Now, $"Compared revision {explained.Stuck.Revision} with {(explained.Previous is { } previous ? $"revision {previous.Revision}" : "no previous revision")} and the live objects: {explained.Explanation.Summary}");
    }

    /// <summary>After the change: the live state again, printed only when it moved (or with -v).</summary>
    private async Task VerifyLiveStateAsync(ClusterSession session, FixRun run, ExplainedRelease explained, bool verbose, CancellationToken ct)
    {
        var read = await explained.AfterChangeAsync(session, ct);
        if (read.Explained is not { } after)
        {
            run.Record.ExplanationError = read.Error;
            run.Say($"  Live now: not known ({read.Error})");
            return;
        }

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

    private void Finish(ParseResult result, FixRun run, int exitCode)
    {
        if (_report.PathOf(result) is { } report)
        {
            try
            {
                _report.Write(result, env, IncidentReport.ToMarkdown(run.Record, env.Now));
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
