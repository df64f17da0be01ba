using HelmUnstick.Engine.Ci;

namespace HelmUnstick.Cli.Commands;

/// <summary>The flags of the runbook's last step (re-run the failed deploy job and follow it), shared by <c>fix</c> and <c>retry-ci</c>.</summary>
internal sealed class CiRetryOptions
{
    public Option<bool> Follow { get; } = new("--follow")
    {
        Description = "Poll the re-run job until it ends (a status line on a terminal, one line per poll otherwise), then read the release again: " +
                      "exit 0 (remediated) only when the job succeeded and Helm's newest revision is deployed",
    };

    public Option<TimeSpan?> Timeout { get; } = CommonOptions.Duration(
        "--timeout", "How long --follow waits for the job (Go duration; default 30m); when it passes: exit 1, the job is left running", "30m", positive: true);

    public Option<TimeSpan?> PollInterval { get; } = CommonOptions.Duration(
        "--poll-interval", "How often --follow asks CI about the job (Go duration; default 10s)", "10s", positive: true);

    public void AddTo(Command command, Func<System.CommandLine.Parsing.CommandResult, bool> retrying, string retryFlag)
    {
        command.Options.Add(Follow);
        command.Options.Add(Timeout);
        command.Options.Add(PollInterval);
        command.Validators.Add(r =>
        {
            if (r.GetValue(Follow) && !retrying(r))
            {
                r.AddError($"--follow needs {retryFlag}");
            }

            if ((r.GetResult(Timeout) is { Implicit: false } || r.GetResult(PollInterval) is { Implicit: false }) && !r.GetValue(Follow))
            {
                r.AddError("--timeout and --poll-interval need --follow");
            }
        });
    }

    /// <summary>
    /// The CI sources for the session's context, resolved before anything happens: a retry without any source is a
    /// usage error, not a surprise after the fix.
    /// </summary>
    public static CiSources Sources(SafetyOptions safety, ParseResult r, CliEnvironment env, ClusterSession session, string retryFlag)
    {
        CiSources sources;
        try
        {
            sources = CiSettings.Load(session.ContextName, safety.CiFlags(r), env.GetEnvironmentVariable).MaskingTokens(env.Secrets);
        }
        catch (CiConfigException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        return sources.Count > 0
            ? sources
            : throw new CliException(ExitCodes.Usage,
                $"{retryFlag} needs a CI source for context {session.ContextName}: add it to config.yaml or pass --gitlab-url and --gitlab-project, or --github-repository; nothing was changed");
    }

    /// <summary>Runs the retry use case with progress: a status line on a terminal, one stderr line per poll otherwise.</summary>
    public async Task<CiRetryReport> RunAsync(
        ParseResult r, CliEnvironment env, ClusterSession session, StorageDriver driver, CiSources sources, SafetyOptions safety,
        string release, string ns, CancellationToken ct)
    {
        var retriers = CiGate.Create(sources, options: null, env.Clock);
        try
        {
            var service = new CiRetryService(session, env.Clock, driver, AuditLog.For(env), retriers, retriers);
            var progress = ProgressReporter.For(env);
            return await progress.RunAsync("Re-running the failed deploy job", status =>
            {
                var request = new CiRetryRequest(
                    release,
                    ns,
                    r.GetValue(Follow),
                    r.GetValue(Timeout) ?? CiRetryRequest.DefaultTimeout,
                    r.GetValue(PollInterval) ?? CiRetryRequest.DefaultPollInterval,
                    CommonOptions.StaleAfterValue(r, safety.StaleAfter),
                    r.GetValue(safety.HelmTimeout) ?? LivenessRule.DefaultHelmTimeout,
                    AuditLog.CurrentUser(env),
                    new FollowProgress(progress, status));
                return service.RunAsync(request, ct);
            }, ct);
        }
        finally
        {
            foreach (var retrier in retriers.OfType<IDisposable>())
            {
                retrier.Dispose();
            }
        }
    }

    private sealed class FollowProgress(ProgressReporter progress, IProgress<string> status) : IProgress<CiFollowProgress>
    {
        public void Report(CiFollowProgress poll)
        {
            progress.Poll(status, $"Job {poll.Job.JobId} still running after poll {poll.Poll} ({Durations.Describe(poll.Elapsed)} elapsed, {Durations.Describe(poll.Remaining)} left): {poll.Job.WebUrl}");
        }
    }
}
