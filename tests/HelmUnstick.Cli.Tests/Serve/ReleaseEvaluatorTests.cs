using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Explain;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Tests;
using HelmUnstick.Engine;
using HelmUnstick.Engine.Serve;
using Microsoft.Extensions.Time.Testing;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>
/// serve's look at one release (diagnose, alert, fix) in memory: release demo in team-a, pending-upgrade 2 over
/// deployed 1, on a fake clock, with a lease this replica holds or not, Events and fixes recorded.
/// </summary>
public sealed class ReleaseEvaluatorTests
{
    private static readonly ReleaseKey Demo = new("team-a", "demo");

    private readonly FakeTimeProvider _clock = new(Revisions.Now);
    private readonly InMemoryReleases _releases = new();
    private readonly FakeLeadership _leader = new() { IsLeader = true };
    private readonly List<string> _events = [];
    private readonly List<string> _decisions = [];
    private readonly Queue<FixAttempt?> _fixes = new();
    private int _livenessReads;

    [Fact]
    public async Task AStaleStuckRelease_OnTheLeader_IsAlertedOnceWithOneEvent_AndNotFixedWithoutAFixRule()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly);

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal(
            ["""{"time":"2026-11-24T12:00:00+00:00","namespace":"team-a","release":"demo","revision":2,"action":"alert","strategy":null,"outcome":"stuck","reasons":["revision 2 is pending-upgrade since 2026-11-24 10:00:00Z (2h ago)","no policy rule matches: alert only"],"backup":null,"verdict":"stale","evidence":"helm's waits: window closed at 2026-11-24T10:06:00Z (last_deployed 2026-11-24T10:00:00Z + 5m x (0 hooks + 1) + 1m), 1h54m ago"}"""],
            _decisions);
        Assert.Equal(["ReleaseStuck sh.helm.release.v1.demo.v2"], _events);
        Assert.Equal([Demo], evaluator.Tracked);
    }

    [Fact]
    public async Task AFollower_TracksTheStuckRelease_ButNeitherAlertsNorFixes()
    {
        _leader.IsLeader = false;
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        _fixes.Enqueue(Fixed());
        var evaluator = Evaluator(FixEverything());

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal([Demo], evaluator.Tracked);
        Assert.Equal((0, 0, 1), (_decisions.Count, _events.Count, _fixes.Count));
    }

    [Fact]
    public async Task APendingRevisionYoungerThanStaleAfter_IsAlertedOnlyOnceItIsStale()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromMinutes(14)));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly);

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var before = (_decisions.Count, _events.Count);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal((0, 0), before);
        Assert.Contains("\"reasons\":[\"revision 2 is pending-upgrade since 2026-11-24 11:46:00Z (15m ago)\"", Assert.Single(_decisions));
    }

    [Fact]
    public async Task AFixRule_Fixed_LogsTheAlertAndTheFix_WritesReleaseUnstuck_AndStopsTracking()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        _fixes.Enqueue(Fixed());
        var evaluator = Evaluator(FixEverything());

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal(["alert stuck", "fix fixed"], _decisions.Select(Summary));
        Assert.Contains("\"strategy\":\"delete\",\"outcome\":\"fixed\",\"reasons\":[\"helm status shows revision 1\"],\"backup\":\"secret://ops/backup\"", _decisions[1]);
        Assert.Equal(["ReleaseStuck sh.helm.release.v1.demo.v2", "ReleaseUnstuck sh.helm.release.v1.demo.v2"], _events);
        Assert.Empty(evaluator.Tracked);
    }

    [Fact]
    public async Task ABlockedFix_IsReportedOnceWhileItsReasonsStayTheSame_AndAgainWhenTheyChange()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        _fixes.Enqueue(Blocked("CI is deploying"));
        _fixes.Enqueue(Blocked("CI is deploying"));
        _fixes.Enqueue(Blocked("workloads are unhealthy"));
        var evaluator = Evaluator(FixEverything());

        for (var look = 0; look < 3; look++)
        {
            await evaluator.EvaluateAsync(Demo, CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(["alert stuck", "fix blocked", "fix blocked"], _decisions.Select(Summary));
        Assert.Equal(["ReleaseStuck", "RemediationBlocked", "RemediationBlocked"], _events.Select(e => e.Split(' ')[0]));
        Assert.Equal([Demo], evaluator.Tracked);
    }

    [Fact]
    public async Task AnUnchangedPayload_IsNotReadAgain_AndAChangedOneIs()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly);

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var first = _releases.Reads;
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var unchanged = _releases.Reads;
        _releases.Put(Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)) with { ResourceVersion = "200" });
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal((first, first + 1), (unchanged, _releases.Reads));
    }

    // last_deployed 10m ago: Helm's window (5m x (0 hooks + 1) + 1m) closed 4m ago, staleAfter (15m) ends in 5m.
    // The evidence is read at each look until then; after it, what was read is judged again from memory.
    [Fact]
    public async Task TheLivenessEvidence_IsReadAgainOnlyWhileTheVerdictCanStillChange()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromMinutes(10)));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly);
        var reads = new List<int>();

        for (var look = 0; look < 6; look++)
        {
            await evaluator.EvaluateAsync(Demo, CancellationToken.None);
            reads.Add(_livenessReads);
            _clock.Advance(TimeSpan.FromMinutes(2));
        }

        Assert.Equal([1, 2, 3, 3, 3, 3], reads);
        Assert.Single(_decisions);
    }

    [Fact]
    public async Task ALiveRunLeaseHolder_HasTheEvidenceReadAtEachLook()
    {
        _releases.Put(Revisions.Make(1, "deployed"), Revisions.Make(2, "pending-upgrade", age: TimeSpan.FromHours(2)));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, lease: now => new ReleaseLease("team-a", LeaseRule.NameFor("demo"), "ci-runner", Revisions.Now - TimeSpan.FromHours(2), now, DurationSeconds: 15));

        for (var look = 0; look < 3; look++)
        {
            await evaluator.EvaluateAsync(Demo, CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(3, _livenessReads);
        Assert.Contains("\"verdict\":\"possibly-running\",\"evidence\":\"Lease team-a/", Assert.Single(_decisions));
    }

    private ReleaseEvaluator Evaluator(RemediationPolicy policy, Func<DateTimeOffset, ReleaseLease?>? lease = null) => new(
        _releases,
        _releases.ReadAsync,
        StorageDriver.Secret,
        policy,
        _leader,
        new RecordingEvents(_events),
        new ServeMetrics(),
        (_, _, _) => Task.FromResult(_fixes.Dequeue()),
        (stuck, decision, now, _) =>
        {
            _livenessReads++;
            return Task.FromResult(new LivenessFacts(
                new ResourceKey("Secret", stuck.Namespace, stuck.ObjectName), stuck.Release!.LastDeployed, 0, [], [], now,
                decision.StaleAfter, decision.HelmTimeout ?? LivenessRule.DefaultHelmTimeout, lease?.Invoke(now)));
        },
        new HostEnvironment(_ => null, _clock, TextWriter.Null),
        _decisions.Add);

    private static RemediationPolicy FixEverything() => PolicyLoader.Parse("""
        rules:
          - namespaces: ["*"]
            action: fix
            skipCiCheck: true
            reason: "test"
        """, "policy.yaml");

    private static FixAttempt Fixed() => new(RemediationOutcome.Fixed, ["helm status shows revision 1"], "secret://ops/backup", Changed: true);

    private static FixAttempt Blocked(string reason) => new(RemediationOutcome.Blocked, [reason], null, Changed: false);

    private static string Summary(string decision)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(decision)!;
        return $"{json["action"]} {json["outcome"]}";
    }

    /// <summary>Release objects in memory: indexed by their labels as serve's watcher indexes them, each read counted.</summary>
    private sealed class InMemoryReleases : IReleaseIndex
    {
        private readonly ReleaseLabelIndex _index = new();
        private readonly Dictionary<(string, string), StoredRevision> _objects = new();

        public int Reads { get; private set; }

        public void Put(params StoredRevision[] revisions)
        {
            foreach (var revision in revisions)
            {
                _objects[(revision.Namespace, revision.ObjectName)] = revision;
                _index.Upsert(revision.Namespace, revision.ObjectName, revision.Labels);
            }
        }

        public Task<StoredRevision?> ReadAsync(string ns, string name, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            Reads++;
            return Task.FromResult(_objects.GetValueOrDefault((ns, name)));
        }

        public PayloadsToRead? PayloadsToRead(ReleaseKey release) => _index.PayloadsToRead(release);

        public string? ResourceVersionOf(string ns, string name) => _objects.GetValueOrDefault((ns, name))?.ResourceVersion;
    }

    private sealed class FakeLeadership : ILeadership
    {
        public bool IsLeader { get; set; }
    }

    private sealed class RecordingEvents(List<string> events) : IReleaseEventWriter
    {
        public Task WriteAsync(StoredRevision stuck, ReleaseEventReason reason, string message, CancellationToken ct)
        {
            events.Add($"{reason} {stuck.ObjectName}");
            return Task.CompletedTask;
        }
    }
}
