using HelmUnstick.Engine.Ci;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Engine.Unstick;

/// <summary>How the failed deploy job is re-run and followed.</summary>
/// <param name="Follow">Poll the new job until it ends (or <paramref name="Timeout"/>), then read the release again.</param>
/// <param name="Progress">Told after each poll that found the job still running.</param>
internal sealed record CiRetryRequest(
    string Release,
    string Namespace,
    bool Follow,
    TimeSpan Timeout,
    TimeSpan PollInterval,
    TimeSpan StaleAfter,
    TimeSpan HelmTimeout,
    string Operator,
    IProgress<CiFollowProgress>? Progress = null)
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);
}

/// <summary>One poll of the re-run job that found it still running.</summary>
internal sealed record CiFollowProgress(int Poll, TimeSpan Elapsed, TimeSpan Remaining, CiRetriedJob Job);

/// <summary>What Helm shows for the release after the job ended, with the liveness verdict when it is pending again.</summary>
internal sealed record ReleaseNow(ReleaseStatus? NewestStatus, int? NewestRevision, HelmOutlook Outlook, LivenessAssessment? PendingLiveness);

/// <summary>Everything a retry did and found; <see cref="Outcome"/> is the JSON <c>retry.outcome</c>.</summary>
/// <param name="Gate">The CI check made right before the retry (null when Helm still showed a pending revision).</param>
/// <param name="Searched">What was searched for a failed deploy job, one line per source.</param>
/// <param name="Problem">For Blocked and Error: the one line saying why.</param>
/// <param name="After">The release read again after a followed job ended.</param>
internal sealed record CiRetryReport(
    CiRetryOutcome Outcome,
    CiGateResult? Gate,
    IReadOnlyList<string> Searched,
    CiRetryTarget? Target,
    CiRetriedJob? Job,
    string? Problem,
    ReleaseNow? After,
    IReadOnlyList<UnstickEvent> Events,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The runbook's end: the job succeeded and Helm's newest revision is deployed.</summary>
    public bool Remediated => CiRetryRules.IsRemediated(Outcome, After?.NewestStatus);

    /// <summary>The outcome in one line, for the incident note's outcome and the timeline.</summary>
    public string Summary => this switch
    {
        { Remediated: true } => $"{Job!.Of.JobName} re-ran and succeeded ({Job.WebUrl}); {NewestRevision(After!)}",
        { Outcome: CiRetryOutcome.Retried } => $"re-ran {Job!.Of.JobName}: {Job.WebUrl}",
        { Outcome: CiRetryOutcome.NoneFound } => $"no failed deploy job found in {string.Join("; ", Searched)}: nothing was retried",
        { Outcome: CiRetryOutcome.Blocked or CiRetryOutcome.Error, Job: null } => $"nothing was retried: {Problem}",
        { Outcome: CiRetryOutcome.Error } => Problem!,
        { Outcome: CiRetryOutcome.Timeout } => $"job {Job!.JobId} still running when --timeout passed (left running): {Job.WebUrl}",
        { Outcome: CiRetryOutcome.Success } => $"job {Job!.JobId} succeeded ({Job.WebUrl}) but {NewestRevision(After!)}",
        _ => $"job {Job!.JobId} {Outcome.ToName()}: {Job.WebUrl}; {NewestRevision(After!)}",
    };

    private static string NewestRevision(ReleaseNow after) => after.NewestStatus switch
    {
        ReleaseStatus.Deployed => $"Helm's newest revision {after.NewestRevision} is deployed",
        { } status => $"Helm's newest revision {after.NewestRevision} is {status.ToHelmName()}{(after.PendingLiveness is { } l ? $" (verdict {l.Verdict.ToName()})" : "")}",
        null => "Helm shows no revision",
    };
}

/// <summary>
/// The runbook's last step as a use case: with Helm no longer stuck and CI quiet, find the newest failed deploy job of
/// the mapped environments, re-run it (once; a lost answer is never repeated), and, when asked, follow it to its end
/// and read the release again.
/// </summary>
internal sealed class CiRetryService(
    ClusterSession session,
    TimeProvider clock,
    StorageDriver driver,
    AuditLog audit,
    IReadOnlyList<ICiActivitySource> checks,
    IReadOnlyList<ICiJobRetrier> retriers,
    Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private readonly KubeReleaseStore _store = new(session, driver);
    private readonly Func<TimeSpan, CancellationToken, Task> _delay = delay ?? ((span, ct) => Task.Delay(span, clock, ct));

    public async Task<CiRetryReport> RunAsync(CiRetryRequest request, CancellationToken ct)
    {
        var events = new List<UnstickEvent>();
        var warnings = new List<string>();
        CiRetryReport Report(CiRetryOutcome outcome, CiGateResult? gate = null, IReadOnlyList<string>? searched = null, CiRetryTarget? target = null,
            CiRetriedJob? job = null, string? problem = null, ReleaseNow? after = null) =>
            new(outcome, gate, searched ?? [], target, job, problem, after, events, warnings);

        // Retrying while Helm still shows a pending revision fails the job again with "another operation is in progress".
        var history = await UnstickEngine.ReadHistoryAsync(session, _store, request.Release, request.Namespace, ct);
        if (history.Latest is { } stuck && stuck.Status.IsPending())
        {
            return Report(CiRetryOutcome.Blocked, problem:
                $"Helm still shows revision {stuck.Revision} {stuck.Status.ToHelmName()}: a retried deploy would fail again; unstick it first with helm-unstick fix {request.Release} -n {request.Namespace} --apply");
        }

        var gate = await new CiGate(checks, clock).CheckAsync(ct);
        events.Add(new(clock.GetUtcNow(), $"Checked CI before retrying: {string.Join("; ", gate.Reports.Select(r => r.Headline))}"));
        if (gate.Blocks)
        {
            return Report(CiRetryOutcome.Blocked, gate, problem: "CI is deploying to this cluster or could not be asked, so no job was retried");
        }

        var searched = new List<string>();
        var found = new List<(ICiJobRetrier Source, CiRetryTarget Target)>();
        foreach (var retrier in retriers)
        {
            var answer = await retrier.FindFailedDeployAsync(ct);
            if (answer.Problem is { } problem)
            {
                return Report(CiRetryOutcome.Error, gate, searched, problem: $"{retrier.Name}: {problem}; nothing was retried");
            }

            searched.Add(answer.Value!.Searched);
            if (answer.Value.Target is { } target)
            {
                found.Add((retrier, target));
            }
        }

        if (found.Count == 0)
        {
            return Report(CiRetryOutcome.NoneFound, gate, searched);
        }

        var (source, chosen) = found.OrderByDescending(f => f.Target.FinishedAt ?? DateTimeOffset.MinValue).First();

        // As for a fix: a retry that cannot be recorded does not happen.
        AuditWriter log;
        try
        {
            log = audit.Open();
        }
        catch (AuditLogUnavailableException e)
        {
            return Report(CiRetryOutcome.Error, gate, searched, chosen, problem: $"{e.Message}; nothing was retried");
        }

        var retried = await source.RetryAsync(chosen, ct);
        if (retried.Problem is { } retryProblem)
        {
            return Report(CiRetryOutcome.Error, gate, searched, chosen, problem: $"{source.Name}: {retryProblem}");
        }

        var job = retried.Value!;
        events.Add(new(clock.GetUtcNow(), $"Retried {chosen.JobName} ({chosen.Environment}, {chosen.Project}): {job.WebUrl}"));
        var newest = history.Latest;
        var entry = new AuditEntry(clock.GetUtcNow(), request.Operator, session.ContextName, request.Namespace, newest?.ObjectName ?? "", newest?.Revision ?? 0,
            "retry-ci", [], new AuditOutcome(AuditOutcomeKind.Retried, chosen.JobName), null, new AuditCiJob(chosen.Source.ToName(), chosen.Project, chosen.JobId, job.JobId, job.WebUrl));
        if (log.Append(entry) is { } auditProblem)
        {
            warnings.Add(auditProblem);
        }

        if (!request.Follow)
        {
            return Report(CiRetryOutcome.Retried, gate, searched, chosen, job);
        }

        var (end, followProblem) = await FollowAsync(source, job, request, ct);
        if (followProblem is not null)
        {
            return Report(CiRetryOutcome.Error, gate, searched, chosen, job, $"{source.Name}: {followProblem}; the job may still be running");
        }

        events.Add(new(clock.GetUtcNow(), $"Followed {job.WebUrl}: {end.ToName()}"));
        var after = await ReadNowAsync(request, ct);
        events.Add(new(clock.GetUtcNow(), $"Read the release again: {after.Outlook.Summary}"));
        return Report(end, gate, searched, chosen, job, after: after);
    }

    /// <summary>Polls until the job ends or the timeout passes; the first poll is made at once.</summary>
    private async Task<(CiRetryOutcome End, string? Problem)> FollowAsync(ICiJobRetrier source, CiRetriedJob job, CiRetryRequest request, CancellationToken ct)
    {
        var started = clock.GetUtcNow();
        for (int poll = 1; ; poll++)
        {
            var state = await source.StateAsync(job, ct);
            if (state.Problem is { } problem)
            {
                return (CiRetryOutcome.Error, problem);
            }

            if (state.Value != CiJobState.Active)
            {
                return (state.Value.ToOutcome(), null);
            }

            var elapsed = clock.GetUtcNow() - started;
            var remaining = request.Timeout - elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return (CiRetryOutcome.Timeout, null);
            }

            request.Progress?.Report(new CiFollowProgress(poll, elapsed, remaining, job));
            await _delay(remaining < request.PollInterval ? remaining : request.PollInterval, ct);
        }
    }

    private async Task<ReleaseNow> ReadNowAsync(CiRetryRequest request, CancellationToken ct)
    {
        var history = await UnstickEngine.ReadHistoryAsync(session, _store, request.Release, request.Namespace, ct);
        var latest = history.Latest;
        LivenessAssessment? liveness = null;
        if (latest is { Release: not null } && latest.Status.IsPending())
        {
            liveness = await new LivenessEvidenceReader(session)
                .AssessAsync(latest, driver, clock.GetUtcNow(), request.StaleAfter, request.HelmTimeout,
                    await new ReleaseLeaseStore(session).ReadEvidenceAsync(request.Namespace, request.Release, ct), ct);
        }

        return new ReleaseNow(latest?.Status, latest?.Revision, HelmOutlook.For(history), liveness);
    }
}
