using System.Threading.Channels;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Storage;
using HelmUnstick.Engine.Wording;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// Decides about each release the watcher reports, and about every stuck one again at each resync: reads the newest
/// revision's payload (only of candidates), keeps the metrics, and, on the lease holder only, alerts once, writes
/// Events and runs the fixes the policy allows. Single-threaded: one decision at a time.
/// </summary>
internal sealed class StuckReleaseMonitor(
    ReleaseWatcher watcher,
    KubeReleaseStore store,
    RemediationPolicy policy,
    LeaderLease leader,
    ReleaseEvents events,
    ServeMetrics metrics,
    StuckReleaseMonitor.Fix fix,
    StuckReleaseMonitor.Assess assess,
    HostEnvironment env,
    Action<string> writeDecision,
    TimeSpan resync,
    ReleaseLeaseStore leases)
{
    /// <summary>Runs the fix the policy decided: the same engine as <c>fix --apply</c>. Null when nothing was stuck any more.</summary>
    public delegate Task<FixAttempt?> Fix(StoredRevision stuck, PolicyDecision decision, CancellationToken ct);

    /// <summary>The liveness verdict on a stuck revision, with the rule's staleAfter and helmTimeout: read at every look, so it moves with Helm's window.</summary>
    public delegate Task<LivenessAssessment> Assess(StoredRevision stuck, PolicyDecision decision, CancellationToken ct);

    private readonly Dictionary<ReleaseKey, TrackedRelease> _tracked = new();

    // The revisions read of each release whose labels ask for its payloads, by Secret name: reused while the watcher
    // reports the same resourceVersion, so an unchanged Secret is never read again.
    private readonly Dictionary<ReleaseKey, Dictionary<string, StoredRevision>> _payloads = new();
    private readonly HashSet<string> _reportedUnreadable = new(StringComparer.Ordinal);
    private FixRateLimit _limit = new(policy.MaxFixesPerHour);
    private bool _wasLeader;
    private readonly Channel<bool> _resyncRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a resync at once (a replica that just became leader has alerts to send); callable from any thread.</summary>
    public void RequestResync() => _resyncRequests.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        var nextResync = env.Now + resync;
        while (!ct.IsCancellationRequested)
        {
            var wait = nextResync - env.Now;
            if (wait > TimeSpan.Zero)
            {
                using var timer = new CancellationTokenSource(wait, env.Clock);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);

                // Wakes on a change, a resync request, the resync time or shutdown, whichever comes first (unless
                // the clock passed the resync time while the timer was being made).
                if (env.Now < nextResync)
                {
                    await Task.WhenAny(
                        watcher.Changes.WaitToReadAsync(either.Token).AsTask(),
                        _resyncRequests.Reader.WaitToReadAsync(either.Token).AsTask());
                }

                await either.CancelAsync();
            }

            ct.ThrowIfCancellationRequested();
            var changed = new HashSet<ReleaseKey>();
            while (watcher.Changes.TryRead(out var release))
            {
                changed.Add(release);
            }

            foreach (var release in changed)
            {
                await EvaluateAsync(release, ct);
            }

            var due = env.Now >= nextResync;
            if (_resyncRequests.Reader.TryRead(out _) || due)
            {
                foreach (var release in _tracked.Keys.Union(watcher.Candidates()).Except(changed).ToList())
                {
                    await EvaluateAsync(release, ct);
                }

                // By the schedule, not from now: a slow pass must not push the next one back.
                if (due)
                {
                    nextResync = nextResync + resync > env.Now ? nextResync + resync : env.Now;
                }
            }
        }
    }

    /// <summary>Decides about a release from memory, reading only the payloads that changed since they were read.</summary>
    private async Task EvaluateAsync(ReleaseKey release, CancellationToken ct)
    {
        if (watcher.PayloadsToRead(release) is not { } toRead)
        {
            _payloads.Remove(release);
            Untrack(release);
            return;
        }

        var revisions = await ReadAsync(release, toRead, ct);
        if (revisions.Count == 0)
        {
            Untrack(release);
            return;
        }

        // Reported under the payload's release name: a Secret without a name label is indexed under its own name.
        var named = new ReleaseKey(release.Namespace, revisions.Select(r => r.ReleaseName).FirstOrDefault(n => n.Length > 0) ?? release.Release);
        var decision = policy.Decide(named.Namespace, named.Release);
        var diagnosis = StuckReleaseRule.Diagnose(new ReleaseHistory(named.Release, named.Namespace, revisions), env.Now, decision.StaleAfter);
        if (diagnosis.State == ReleaseState.Unreadable && diagnosis.Latest is { } unreadable)
        {
            if (_reportedUnreadable.Add(unreadable.ObjectName))
            {
                env.Error.WriteLine($"warning: {store.Driver.Kind()} {release.Namespace}/{unreadable.ObjectName}: payload cannot be decoded ({unreadable.DecodeError}); inspect it by hand");
            }

            Untrack(release);
            return;
        }

        if (diagnosis.StuckRevision is not { } stuck)
        {
            Untrack(release);
            return;
        }

        if (!_tracked.TryGetValue(release, out var tracked) || tracked.Revision.ObjectName != stuck.ObjectName)
        {
            Untrack(release);
            _tracked[release] = tracked = new TrackedRelease(stuck, named);
        }

        tracked.Revision = stuck;
        var liveness = tracked.Liveness = await assess(stuck, decision, ct);
        metrics.SetStuck(named, stuck.Revision, stuck.Status.ToHelmName(), liveness.Verdict, diagnosis.PendingAge);
        if (!leader.IsLeader)
        {
            _wasLeader = false;
            return;
        }

        if (!_wasLeader)
        {
            // A new leader counts fixes from zero (the limit is kept in memory only).
            _wasLeader = true;
            _limit = new FixRateLimit(policy.MaxFixesPerHour);
        }

        if (!diagnosis.IsStale && !await HolderGoneAsync(named, stuck, ct))
        {
            // Younger than the rule's staleAfter: every deploy is pending for a while, and a helm may still be
            // running. The metric shows it already; alerts, Events and fixes wait, unless the release's Lease
            // proves its holder gone.
            return;
        }

        if (!tracked.Alerted)
        {
            tracked.Alerted = true;
            var reasons = new List<string> { Pending(stuck, diagnosis), PolicyText(decision) };
            Log(new(env.Now, named.Namespace, named.Release, stuck.Revision, "alert", null, "stuck", reasons, null, liveness.Verdict.ToName(), FirstEvidence(liveness)));
            await events.WriteAsync(stuck, ReleaseEventReason.ReleaseStuck, $"Revision {stuck.Revision} is {stuck.Status.ToHelmName()}: helm upgrade fails with \"another operation is in progress\". {string.Join("; ", reasons)}. {VerdictText(liveness)}", ct);
        }

        if (decision.Action != PolicyAction.Fix)
        {
            return;
        }

        var strategy = StrategyName(decision.Strategy);
        if (!_limit.Allows(env.Now))
        {
            if (Report(tracked, new FixAttempt(RemediationOutcome.Blocked, [_limit.Describe()], null, Changed: false), strategy))
            {
                await events.WriteAsync(stuck, ReleaseEventReason.RemediationBlocked, $"Not fixed, nothing was changed: {_limit.Describe()}. {VerdictText(liveness)}", ct);
            }

            return;
        }

        var attempt = await fix(stuck, decision, ct);
        if (attempt is null)
        {
            Untrack(release);
            return;
        }

        if (attempt.Changed)
        {
            _limit.Record(env.Now);
        }

        if (!Report(tracked, attempt, strategy))
        {
            return;
        }

        if (attempt.Outcome == RemediationOutcome.Blocked)
        {
            await events.WriteAsync(stuck, ReleaseEventReason.RemediationBlocked, $"Not fixed, nothing was changed: {string.Join("; ", attempt.Reasons)}. {VerdictText(attempt.Liveness ?? liveness)}", ct);
        }
        else if (attempt.Outcome == RemediationOutcome.Fixed)
        {
            await events.WriteAsync(stuck, ReleaseEventReason.ReleaseUnstuck, $"Revision {stuck.Revision} was taken out of Helm's way ({strategy}) and verified: {string.Join("; ", attempt.Reasons)}. Backup: {attempt.Backup}. {VerdictText(attempt.Liveness ?? liveness)}", ct);
            Untrack(release);
        }
    }

    /// <summary>
    /// Logs and counts a fix decision, but a blocked or failed attempt only when its reasons differ from the last
    /// one's; false when it was a repeat.
    /// </summary>
    private bool Report(TrackedRelease tracked, FixAttempt attempt, string strategy)
    {
        var reasons = string.Join("\n", attempt.Reasons);
        if (attempt.Outcome != RemediationOutcome.Fixed && tracked.LastReasons == reasons)
        {
            return false;
        }

        tracked.LastReasons = reasons;
        metrics.CountRemediation(tracked.Named, strategy, attempt.Outcome);
        var liveness = attempt.Liveness ?? tracked.Liveness;
        Log(new(env.Now, tracked.Named.Namespace, tracked.Named.Release, tracked.Revision.Revision, "fix", strategy,
            attempt.Outcome.ToString().ToLowerInvariant(), attempt.Reasons, attempt.Backup, liveness?.Verdict.ToName(), liveness is null ? null : FirstEvidence(liveness)));
        return true;
    }

    /// <summary>
    /// The payloads the labels asked for: as read before while the watcher reports the same resourceVersion, else read
    /// now. A Secret deleted since it was listed is left out.
    /// </summary>
    private async Task<IReadOnlyList<StoredRevision>> ReadAsync(ReleaseKey release, PayloadsToRead toRead, CancellationToken ct)
    {
        var known = _payloads.GetValueOrDefault(release);
        var current = new Dictionary<string, StoredRevision>(StringComparer.Ordinal);
        foreach (var name in toRead.ObjectNames)
        {
            if (known?.GetValueOrDefault(name) is { } read && read.ResourceVersion is not null
                && read.ResourceVersion == watcher.ResourceVersionOf(toRead.Namespace, name))
            {
                current[name] = read;
                continue;
            }

            try
            {
                if (await store.ReadRevisionAsync(toRead.Namespace, name, ct) is { } revision)
                {
                    current[name] = revision;
                }
            }
            catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
            {
                // The next resync tries again; a release already tracked keeps its metrics meanwhile.
                env.Error.WriteLine($"warning: reading {store.Driver.Kind()} {toRead.Namespace}/{name} failed: {e.Message.Split('\n')[0]}");
                return _tracked.TryGetValue(release, out var tracked) ? [tracked.Revision] : [];
            }
        }

        _payloads[release] = current;
        return [.. current.Values];
    }

    private void Untrack(ReleaseKey release)
    {
        if (_tracked.Remove(release, out var tracked))
        {
            metrics.ClearStuck(tracked.Named);
        }
    }

    private void Log(ServeDecision decision) => writeDecision(decision.ToJsonLine());

    private static string Pending(StoredRevision stuck, ReleaseDiagnosis diagnosis) =>
        $"revision {stuck.Revision} is {stuck.Status.ToHelmName()} since {stuck.Release?.LastDeployed?.ToString("u") ?? "an unknown time"}" +
        (diagnosis.PendingAge is { } age ? $" ({Durations.Describe(age)} ago)" : "");

    private static string PolicyText(PolicyDecision decision) => decision.Rule is not { } rule
        ? "no policy rule matches: alert only"
        : decision.Action == PolicyAction.Alert
            ? $"policy rule at line {rule.Line}: alert only"
            : $"policy rule at line {rule.Line}: fix ({StrategyName(decision.Strategy)}) if every check passes";

    private static string StrategyName(RemediationStrategy strategy) => StrategyNames.Of(strategy);

    /// <summary>A run-Lease whose term covers the pending revision and whose holder is gone: no need to wait out staleAfter.</summary>
    private async Task<bool> HolderGoneAsync(ReleaseKey release, StoredRevision stuck, CancellationToken ct) =>
        LeaseRule.Judge(await leases.ReadEvidenceAsync(release.Namespace, release.Release, ct), stuck.Release?.LastDeployed, env.Now) == LeaseStanding.HolderGone;

    /// <summary>The evidence that decides the verdict (findings come strongest first), or the window when there is none.</summary>
    private static string FirstEvidence(LivenessAssessment liveness) => LivenessText.Evidence(liveness)[0];

    private static string VerdictText(LivenessAssessment liveness) => $"Verdict: {liveness.Verdict.ToName()} ({FirstEvidence(liveness)})";

    /// <param name="named">The release as reported: its namespace and the payload's release name.</param>
    private sealed class TrackedRelease(StoredRevision revision, ReleaseKey named)
    {
        public StoredRevision Revision { get; set; } = revision;

        public ReleaseKey Named { get; } = named;

        public bool Alerted { get; set; }

        /// <summary>The verdict at the last look.</summary>
        public LivenessAssessment? Liveness { get; set; }

        /// <summary>The reasons of the last fix decision logged, so that an unchanged one is not logged again.</summary>
        public string? LastReasons { get; set; }
    }
}
