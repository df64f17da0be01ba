using System.Runtime.ExceptionServices;

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
        var driver = common.DriverOf(result, env);
        var backupTarget = _backups.Target(result, dir => dir ?? BackupFiles.DefaultDirectory(env, session.ContextName, ns), CommonOptions.PodNamespace() ?? session.DefaultNamespace);
        var kubeconfig = common.Target(result).Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "";
        var request = new FixRequest(
            _safety.Request(result, env, session, release, ns, result.GetValue(_strategy), backupTarget),
            apply,
            Confirm: !result.GetValue(_yes),
            result.GetValue(_showValues),
            backup => $"helm-unstick restore '{backup}'{kubeconfig} --context '{session.ContextName}' --apply",
            retrySources is null ? null : retryCt => _retry.RunAsync(result, env, session, driver, retrySources, _safety, release, ns, retryCt));
        var run = new FixRun(env, common.WantsJson(result));
        var service = new FixService(session, new KubeReleaseStore(session, driver), env.Clock, AuditLog.For(env));
        try
        {
            var report = await service.RunAsync(request, new Host(env, run, result.GetValue(common.Verbose)), ct);
            FixText.WriteEnding(env, run, report, NextCommand.FixApply(result));
            var code = ExitCodes.For(report);
            Finish(result, run, report.Record, code);
            return report.Error is { } error ? throw new CliException(code, error) : code;
        }
        catch (FixFailedException e)
        {
            Finish(result, run, e.Record, ExitCodes.For(e));
            ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
    }

    private void Finish(ParseResult result, FixRun run, IncidentRecord record, int exitCode)
    {
        if (_report.PathOf(result) is { } report)
        {
            try
            {
                _report.Write(result, env, IncidentReport.ToMarkdown(record, env.Now));
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
            var json = IncidentReport.ToJsonObject(record);
            json["exitCode"] = exitCode;
            env.WriteData(json.ToJsonString(Json.Options));
        }
    }

    /// <summary>Shows the engine's progress, renders what it found as it goes, and asks the person before the change.</summary>
    private sealed class Host(CliEnvironment env, FixRun run, bool verbose) : IFixHost
    {
        private readonly ProgressReporter _progress = ProgressReporter.For(env);

        public Task<T> RunAsync<T>(string description, Func<IProgress<string>, Task<T>> work, CancellationToken ct) => _progress.RunAsync(description, work, ct);

        public void Poll(IProgress<string> status, string line) => _progress.Poll(status, line);

        public void Planned(IncidentRecord record) => FixText.WritePlanned(env, run, record, verbose);

        public bool Confirm(RemediationPlan plan) => env.Confirm?.Invoke($"Apply: {plan.ChangeDescription}?") == true;

        public void Applied(FixReport report) => FixText.WriteApplied(env, run, report, verbose);
    }
}
