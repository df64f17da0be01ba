using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Scan;
using HelmUnstick.Engine.Storage;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Engine.Serve;

/// <summary>What serve knows of the release objects from its list and watch: which payloads decide a release, and each object's resourceVersion.</summary>
internal interface IReleaseIndex
{
    /// <summary>The objects whose payloads decide the release, or null when its labels rule it out.</summary>
    PayloadsToRead? PayloadsToRead(ReleaseKey release);

    /// <summary>The resourceVersion last listed or watched; null when unknown or gone.</summary>
    string? ResourceVersionOf(string ns, string name);
}

/// <summary>Writes serve's Kubernetes Events about a stuck revision (failures are logged, never thrown).</summary>
internal interface IReleaseEventWriter
{
    Task WriteAsync(StoredRevision stuck, ReleaseEventReason reason, string message, CancellationToken ct);
}

/// <summary>
/// serve's look at one release, in three steps: diagnose (payloads read only when their resourceVersion moved, the
/// liveness evidence read only while the verdict can still change, the metrics set), alert (once per stuck revision,
/// lease holder only, once stale or its run-Lease's holder is gone) and fix (what the policy allows, within its
/// rate limit, each changed outcome reported once). Not thread-safe: the monitor makes one look at a time.
/// </summary>
internal sealed class ReleaseEvaluator(
    IReleaseIndex index,
    IReleaseStore store,
    RemediationPolicy policy,
    ILeadership leader,
    IReleaseEventWriter events,
    ServeMetrics metrics,
    ReleaseEvaluator.Fix fix,
    ReleaseEvaluator.ReadLiveness readLiveness,
    HostEnvironment env,
    Action<string> writeDecision)
{
    /// <summary>Runs the fix the policy decided: the same engine as <c>fix --apply</c>. Null when nothing was stuck any more.</summary>
    public delegate Task<FixAttempt?> Fix(StoredRevision stuck, PolicyDecision decision, CancellationToken ct);

    /// <summary>Reads the liveness evidence of a stuck revision at <c>now</c>, with the rule's staleAfter and helmTimeout.</summary>
    public delegate Task<LivenessFacts> ReadLiveness(StoredRevision stuck, PolicyDecision decision, DateTimeOffset now, CancellationToken ct);

    private readonly Dictionary<ReleaseKey, TrackedRelease> _tracked = new();

    // The revisions read of each release whose labels ask for its payloads, by object name: reused while the index
    // reports the same resourceVersion, so an unchanged object is never read again.
    private readonly Dictionary<ReleaseKey, Dictionary<string, StoredRevision>> _payloads = new();
    private readonly HashSet<string> _reportedUnreadable = new(StringComparer.Ordinal);
    private FixRateLimit _limit = new(policy.MaxFixesPerHour);
    private bool _wasLeader;

    /// <summary>The releases seen stuck at their last look.</summary>
    public IReadOnlyCollection<ReleaseKey> Tracked => _tracked.Keys;

    /// <summary>Decides about a release from memory, reading only what changed since it was read.</summary>
    public async Task EvaluateAsync(ReleaseKey release, CancellationToken ct)
    {
        if (await DiagnoseAsync(release, ct) is not { } look)
        {
            Untrack(release);
            return;
        }

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

        // Younger than the rule's staleAfter: every deploy is pending for a while, and a helm may still be running.
        // The metric shows it already; alerts, Events and fixes wait, unless the release's Lease proves its holder gone.
        if (!look.Diagnosis.IsStale && !look.Liveness.Findings.Any(f => f.Signal == LivenessSignal.LeaseHolderGone))
        {
            return;
        }

        await AlertAsync(look, ct);
        if (look.Decision.Action == PolicyAction.Fix && await FixAsync(look, ct))
        {
            Untrack(release);
        }
    }

    /// <summary>
    /// Step 1: the release's diagnosis and verdict, and its metrics; null when it is not stuck (or unreadable, which
    /// is reported once).
    /// </summary>
    private async Task<Look?> DiagnoseAsync(ReleaseKey release, CancellationToken ct)
    {
        if (index.PayloadsToRead(release) is not { } toRead)
        {
            _payloads.Remove(release);
            return null;
        }

        var known = _payloads.GetValueOrDefault(release);
        var current = new Dictionary<string, StoredRevision>(StringComparer.Ordinal);
        DiagnosedCandidate candidate;
        try
        {
            candidate = await CandidateDiagnosis.DiagnoseAsync(toRead, async (name, c) =>
            {
                var read = known?.GetValueOrDefault(name) is { ResourceVersion: not null } kept && kept.ResourceVersion == index.ResourceVersionOf(toRead.Namespace, name)
                    ? kept
                    : await store.ReadRevisionAsync(toRead.Namespace, name, c);
                if (read is not null)
                {
                    lock (current)
                    {
                        current[name] = read;
                    }
                }

                return read;
            }, env.Now, named => policy.Decide(named.Namespace, named.Release).StaleAfter, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            // The next resync tries again; a release already tracked keeps its metrics meanwhile.
            env.Error.WriteLine($"warning: reading {store.Driver.Kind()}s of {toRead.Namespace}/{toRead.Release} failed: {e.Message.Split('\n')[0]}");
            return _tracked.GetValueOrDefault(release)?.LastLook;
        }

        _payloads[release] = current;
        var diagnosis = candidate.Diagnosis;
        if (diagnosis.State == ReleaseState.Unreadable && diagnosis.Latest is { } unreadable)
        {
            if (_reportedUnreadable.Add(unreadable.ObjectName))
            {
                env.Error.WriteLine($"warning: {store.Driver.Kind()} {release.Namespace}/{unreadable.ObjectName}: payload cannot be decoded ({unreadable.DecodeError}); inspect it by hand");
            }

            return null;
        }

        if (diagnosis.StuckRevision is not { } stuck)
        {
            return null;
        }

        if (!_tracked.TryGetValue(release, out var tracked) || tracked.Revision.ObjectName != stuck.ObjectName)
        {
            Untrack(release);
            _tracked[release] = tracked = new TrackedRelease(stuck, candidate.Release);
        }

        var decision = policy.Decide(candidate.Release.Namespace, candidate.Release.Release);
        var now = env.Now;

        // The evidence is read again only while it can change the verdict, or when the revision itself changed;
        // otherwise what was read is judged again at this time, from memory.
        tracked.Facts = tracked.Facts is { } facts && tracked.Revision.ResourceVersion == stuck.ResourceVersion && !LivenessRule.EvidenceMayChange(facts, now)
            ? facts with { Now = now }
            : await readLiveness(stuck, decision, now, ct);
        tracked.Revision = stuck;
        var liveness = LivenessRule.Assess(tracked.Facts);
        metrics.SetStuck(tracked.Named, stuck.Revision, stuck.Status.ToHelmName(), liveness.Verdict, diagnosis.PendingAge);
        return tracked.LastLook = new Look(tracked, decision, diagnosis, liveness);
    }

    /// <summary>Step 2: the alert line and the ReleaseStuck Event, once per stuck revision.</summary>
    private async Task AlertAsync(Look look, CancellationToken ct)
    {
        var (tracked, decision, diagnosis, liveness) = look;
        if (tracked.Alerted)
        {
            return;
        }

        tracked.Alerted = true;
        var stuck = tracked.Revision;
        var reasons = new List<string> { Pending(stuck, diagnosis), PolicyText(decision) };
        Log(new(env.Now, tracked.Named.Namespace, tracked.Named.Release, stuck.Revision, ServeAction.Alert, null, ServeOutcome.Stuck, reasons, null, liveness.Verdict.ToName(), FirstEvidence(liveness)));
        await events.WriteAsync(stuck, ReleaseEventReason.ReleaseStuck, $"Revision {stuck.Revision} is {stuck.Status.ToHelmName()}: helm upgrade fails with \"another operation is in progress\". {string.Join("; ", reasons)}. {VerdictText(liveness)}", ct);
    }

    /// <summary>Step 3: the fix the policy allows, within its rate limit; true when the release is no longer stuck.</summary>
    private async Task<bool> FixAsync(Look look, CancellationToken ct)
    {
        var (tracked, decision, _, liveness) = look;
        var stuck = tracked.Revision;
        var strategy = StrategyNames.Of(decision.Strategy);
        if (!_limit.Allows(env.Now))
        {
            if (Report(tracked, new FixAttempt(RemediationOutcome.Blocked, [_limit.Describe()], null, Changed: false), strategy))
            {
                await events.WriteAsync(stuck, ReleaseEventReason.RemediationBlocked, $"Not fixed, nothing was changed: {_limit.Describe()}. {VerdictText(liveness)}", ct);
            }

            return false;
        }

        if (await fix(stuck, decision, ct) is not { } attempt)
        {
            return true;
        }

        if (attempt.Changed)
        {
            _limit.Record(env.Now);
        }

        if (!Report(tracked, attempt, strategy))
        {
            return false;
        }

        switch (attempt.Outcome)
        {
            case RemediationOutcome.Blocked:
                await events.WriteAsync(stuck, ReleaseEventReason.RemediationBlocked, $"Not fixed, nothing was changed: {string.Join("; ", attempt.Reasons)}. {VerdictText(attempt.Liveness ?? liveness)}", ct);
                return false;
            case RemediationOutcome.Fixed:
                await events.WriteAsync(stuck, ReleaseEventReason.ReleaseUnstuck, $"Revision {stuck.Revision} was taken out of Helm's way ({strategy}) and verified: {string.Join("; ", attempt.Reasons)}. Backup: {attempt.Backup}. {VerdictText(attempt.Liveness ?? liveness)}", ct);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Logs and counts a fix decision, but a blocked or failed attempt only when its reasons differ from the last
    /// one's; false when it was a repeat.
    /// </summary>
    private bool Report(TrackedRelease tracked, FixAttempt attempt, string strategy)
    {
        if (attempt.Outcome != RemediationOutcome.Fixed && tracked.LastReasons is { } last && last.SequenceEqual(attempt.Reasons))
        {
            return false;
        }

        tracked.LastReasons = attempt.Reasons;
        metrics.CountRemediation(tracked.Named, strategy, attempt.Outcome);
        var liveness = attempt.Liveness ?? tracked.LastLook?.Liveness;
        Log(new(env.Now, tracked.Named.Namespace, tracked.Named.Release, tracked.Revision.Revision, ServeAction.Fix, strategy,
            ServeDecision.OutcomeOf(attempt.Outcome), attempt.Reasons, attempt.Backup, liveness?.Verdict.ToName(), liveness is null ? null : FirstEvidence(liveness)));
        return true;
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
            : $"policy rule at line {rule.Line}: fix ({StrategyNames.Of(decision.Strategy)}) if every check passes";

    /// <summary>The evidence that decides the verdict (findings come strongest first), or the window when there is none.</summary>
    private static string FirstEvidence(LivenessAssessment liveness) => LivenessText.Evidence(liveness)[0];

    private static string VerdictText(LivenessAssessment liveness) => $"Verdict: {liveness.Verdict.ToName()} ({FirstEvidence(liveness)})";

    /// <summary>One look at a stuck release: what the alert and fix steps decide from.</summary>
    private sealed record Look(TrackedRelease Tracked, PolicyDecision Decision, ReleaseDiagnosis Diagnosis, LivenessAssessment Liveness);

    /// <param name="named">The release as reported: its namespace and the payload's release name.</param>
    private sealed class TrackedRelease(StoredRevision revision, ReleaseKey named)
    {
        public StoredRevision Revision { get; set; } = revision;

        public ReleaseKey Named { get; } = named;

        public bool Alerted { get; set; }

        /// <summary>The liveness evidence as last read, judged again from memory while it cannot change the verdict.</summary>
        public LivenessFacts? Facts { get; set; }

        /// <summary>The last look, kept while a read fails.</summary>
        public Look? LastLook { get; set; }

        /// <summary>The reasons of the last fix decision logged, so that an unchanged one is not logged again.</summary>
        public IReadOnlyList<string>? LastReasons { get; set; }
    }
}
