using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>Every source's report for one check; any report that is not Quiet stops <c>fix --apply</c>.</summary>
public sealed record CiGateResult(IReadOnlyList<CiSourceReport> Reports)
{
    public bool Blocks => Reports.Any(r => r.Blocks);
}

/// <summary>Reported after each poll that found CI still busy (or unreachable) while waiting.</summary>
public sealed record CiWaitProgress(int Poll, TimeSpan Elapsed, TimeSpan Remaining, CiGateResult Latest);

/// <summary>Runbook step 1: asks every CI source mapped to the kube context whether anything is deploying to it.</summary>
public sealed class CiGate : IDisposable
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(15);

    public const string NoSourceProblem =
        "no CI source is mapped to this kube context: add it to config.yaml or pass --gitlab-url and --gitlab-project (or --github-repository)";

    private readonly IReadOnlyList<ICiActivitySource> _sources;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly bool _ownsSources;

    /// <param name="delay">Waits between polls; defaults to <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>.</param>
    public CiGate(IReadOnlyList<ICiActivitySource> sources, TimeProvider? time = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
        : this(sources, time, delay, ownsSources: false)
    {
    }

    private CiGate(IReadOnlyList<ICiActivitySource> sources, TimeProvider? time, Func<TimeSpan, CancellationToken, Task>? delay, bool ownsSources)
    {
        _sources = sources;
        _time = time ?? TimeProvider.System;
        _delay = delay ?? ((span, ct) => Task.Delay(span, _time, ct));
        _ownsSources = ownsSources;
    }

    /// <summary>A gate over one <see cref="GitLabCiSource"/> or <see cref="GitHubCiSource"/> per resolved setting; disposing it disposes them.</summary>
    public static CiGate For(CiSources sources, GitLabHttpOptions? options = null, TimeProvider? time = null) =>
        new(Create(sources, options, time), time, delay: null, ownsSources: true);

    /// <summary>One client per source, GitLab's first; each asks whether CI deploys and can re-run a failed deploy job.</summary>
    internal static IReadOnlyList<ICiJobRetrier> Create(CiSources sources, GitLabHttpOptions? options, TimeProvider? time) =>
        [
            .. sources.GitLab.Select(s => (ICiJobRetrier)new GitLabCiSource(s, options, time: time)),
            .. sources.GitHub.Select(s => (ICiJobRetrier)new GitHubCiSource(s, options, time: time)),
        ];

    /// <param name="leaseJob">The CI job named by the release's Lease: the source that runs it says how it is doing too.</param>
    public async Task<CiGateResult> CheckAsync(CancellationToken ct, CiJobReference? leaseJob = null)
    {
        if (_sources.Count == 0)
        {
            // Fail closed: without a source nobody has checked that CI is quiet.
            return new CiGateResult([CiSourceReport.Unavailable("CI", [], NoSourceProblem)]);
        }

        var reports = await Task.WhenAll(_sources.Select(s => CheckSourceAsync(s, leaseJob, ct)));
        return new CiGateResult(reports);
    }

    /// <summary>
    /// Polls until every source is Quiet or <paramref name="maxWait"/> has passed; returns the last result, which
    /// still blocks when time ran out.
    /// </summary>
    public async Task<CiGateResult> WaitForQuietAsync(
        TimeSpan maxWait,
        IProgress<CiWaitProgress>? progress,
        CancellationToken ct,
        TimeSpan? pollInterval = null,
        CiJobReference? leaseJob = null)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        var started = _time.GetUtcNow();
        for (int poll = 1; ; poll++)
        {
            var result = await CheckAsync(ct, leaseJob);
            var elapsed = _time.GetUtcNow() - started;
            var remaining = maxWait - elapsed;
            if (!result.Blocks || remaining <= TimeSpan.Zero)
            {
                return result;
            }

            progress?.Report(new CiWaitProgress(poll, elapsed, remaining, result));
            await _delay(remaining < interval ? remaining : interval, ct);
        }
    }

    /// <summary>
    /// A source's report, and the Lease's job when the source runs it: a job still running blocks, an ended one is
    /// evidence. A job that cannot be read fails closed like the source itself.
    /// </summary>
    private static async Task<CiSourceReport> CheckSourceAsync(ICiActivitySource source, CiJobReference? leaseJob, CancellationToken ct)
    {
        var report = await source.CheckAsync(ct);
        if (leaseJob is null || source is not ICiLeaseJobReader reader || !reader.Owns(leaseJob) || report.Verdict == CiVerdict.Unavailable)
        {
            return report;
        }

        var answer = await reader.ReadLeaseJobAsync(leaseJob, ct);
        return answer.Problem is { } problem
            ? CiSourceReport.Unavailable(report.SourceName, report.Projects, $"the CI job of the release's Lease ({leaseJob.Url}): {problem}")
            : report.WithLeaseJob(answer.Value!);
    }

    public void Dispose()
    {
        if (!_ownsSources)
        {
            return;
        }

        foreach (var source in _sources.OfType<IDisposable>())
        {
            source.Dispose();
        }
    }
}
