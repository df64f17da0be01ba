using HelmUnstick.Core.Policy;
using HelmUnstick.Engine;
using HelmUnstick.Engine.Storage;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>
/// serve's look at one release (diagnose, alert, fix) in memory: the real stuck upgrade (release demo in team-a,
/// revision 4 pending-upgrade since 2026-11-23T23:50:39Z) in the in-memory release store, on a fake clock, with a
/// lease this replica holds or not, its Events and fixes recorded, its liveness evidence read through a counter.
/// </summary>
public sealed class ReleaseEvaluatorTests
{
    private static readonly ReleaseKey Demo = new("team-a", "demo");
    private static readonly DateTimeOffset LastDeployed = DateTimeOffset.Parse("2026-11-23T23:50:39.411003648Z");
    private static readonly DateTimeOffset NineHoursOn = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(NineHoursOn);
    private readonly FakeLeadership _leader = new() { IsLeader = true };
    private readonly List<string> _events = [];
    private readonly List<string> _decisions = [];
    private readonly Queue<FixAttempt?> _fixes = new();
    private int _livenessReads;

    [Theory]
    [InlineData(StorageDriver.Secret)]
    [InlineData(StorageDriver.ConfigMap)]
    public async Task AStaleStuckRelease_OnTheLeader_IsAlertedOnceWithOneEvent_AndNotFixedWithoutAFixRule(StorageDriver driver)
    {
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, Store(driver));

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal(
            ["""{"time":"2026-11-24T09:00:00+00:00","namespace":"team-a","release":"demo","revision":4,"action":"alert","strategy":null,"outcome":"stuck","reasons":["revision 4 is pending-upgrade since 2026-11-23 23:50:39Z (9h9m ago)","no policy rule matches: alert only"],"backup":null,"verdict":"stale","evidence":"helm's waits: window closed at 2026-11-23T23:56:39Z (last_deployed 2026-11-23T23:50:39Z + 5m x (0 hooks + 1) + 1m), 9h3m ago"}"""],
            _decisions);
        Assert.Equal(["ReleaseStuck sh.helm.release.v1.demo.v4"], _events);
        Assert.Equal([Demo], evaluator.Tracked);
    }

    [Fact]
    public async Task AFollower_TracksTheStuckRelease_ButNeitherAlertsNorFixes()
    {
        _leader.IsLeader = false;
        _fixes.Enqueue(Fixed());
        var evaluator = Evaluator(FixEverything(), Store(StorageDriver.Secret));

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal([Demo], evaluator.Tracked);
        Assert.Equal((0, 0, 1), (_decisions.Count, _events.Count, _fixes.Count));
    }

    [Fact]
    public async Task APendingRevisionYoungerThanStaleAfter_IsAlertedOnlyOnceItIsStale()
    {
        _clock.AdjustTime(LastDeployed + TimeSpan.FromMinutes(14));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, Store(StorageDriver.Secret));

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var before = (_decisions.Count, _events.Count);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal((0, 0), before);
        Assert.Contains("\"reasons\":[\"revision 4 is pending-upgrade since 2026-11-23 23:50:39Z (15m ago)\"", Assert.Single(_decisions));
    }

    [Fact]
    public async Task AFixRule_Fixed_LogsTheAlertAndTheFix_WritesReleaseUnstuck_AndStopsTracking()
    {
        _fixes.Enqueue(Fixed());
        var evaluator = Evaluator(FixEverything(), Store(StorageDriver.Secret));

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal(["alert stuck", "fix fixed"], _decisions.Select(Summary));
        Assert.Contains("\"strategy\":\"delete\",\"outcome\":\"fixed\",\"reasons\":[\"helm status shows revision 3\"],\"backup\":\"secret://ops/backup\"", _decisions[1]);
        Assert.Equal(["ReleaseStuck sh.helm.release.v1.demo.v4", "ReleaseUnstuck sh.helm.release.v1.demo.v4"], _events);
        Assert.Empty(evaluator.Tracked);
    }

    [Fact]
    public async Task ABlockedFix_IsReportedOnceWhileItsReasonsStayTheSame_AndAgainWhenTheyChange()
    {
        _fixes.Enqueue(Blocked("CI is deploying"));
        _fixes.Enqueue(Blocked("CI is deploying"));
        _fixes.Enqueue(Blocked("workloads are unhealthy"));
        var evaluator = Evaluator(FixEverything(), Store(StorageDriver.Secret));

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
    public async Task AnUnchangedReleaseObject_IsNotReadAgain_AndAChangedOneIs()
    {
        var memory = InMemoryReleaseStore.FromStoreFile(Fixtures.StuckUpgradeStore, StorageDriver.Secret);
        var store = new FailingReleaseStore(memory);
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, memory, store);

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var first = store.Calls.Count;
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);
        var unchanged = store.Calls.Count;
        memory.Touch("team-a", "sh.helm.release.v1.demo.v4", "touched", "yes");
        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal((StoreCall.Get, first, first + 1), (store.Calls.Distinct().Single(), unchanged, store.Calls.Count));
    }

    // Ten minutes on: Helm's window (5m x (0 hooks + 1) + 1m) closed 4m ago, staleAfter (15m) ends in 5m. The
    // evidence is read at each look until then; after it, what was read is judged again from memory.
    [Fact]
    public async Task TheLivenessEvidence_IsReadAgainOnlyWhileTheVerdictCanStillChange()
    {
        _clock.AdjustTime(LastDeployed + TimeSpan.FromMinutes(10));
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, Store(StorageDriver.Secret));
        var reads = new List<int>();

        for (var look = 0; look < 6; look++)
        {
            await evaluator.EvaluateAsync(Demo, CancellationToken.None);
            reads.Add(_livenessReads);
            _clock.Advance(TimeSpan.FromMinutes(2));
        }

        Assert.Equal([1, 2, 3, 3, 3, 3], reads);
        Assert.Contains("\"verdict\":\"stale\"", Assert.Single(_decisions));
    }

    [Fact]
    public async Task ARunLeaseWithALiveHolder_HasTheEvidenceReadAtEachLook()
    {
        var evaluator = Evaluator(RemediationPolicy.AlertOnly, Store(StorageDriver.Secret),
            lease: now => new ReleaseLease("team-a", LeaseRule.NameFor("demo"), "ci-runner", LastDeployed, now, DurationSeconds: 15));

        for (var look = 0; look < 3; look++)
        {
            await evaluator.EvaluateAsync(Demo, CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(3, _livenessReads);
        Assert.Contains("\"verdict\":\"possibly-running\",\"evidence\":\"Lease team-a/", Assert.Single(_decisions));
    }

    // One minute on: the rule's staleAfter (15m) and Helm's window (6m) are far off, but the run that wrote revision 4
    // released its Lease: nothing will finish it, so the fix rule applies at once.
    [Fact]
    public async Task AHolderProvenGone_IsFixedByTheFixRuleAtOnce_ThoughYoungerThanStaleAfter()
    {
        _clock.AdjustTime(LastDeployed + TimeSpan.FromMinutes(1));
        _fixes.Enqueue(Fixed());
        var evaluator = Evaluator(FixEverything(), Store(StorageDriver.Secret), lease: _ => new ReleaseLease(
            "team-a", LeaseRule.NameFor("demo"), "", LastDeployed - TimeSpan.FromSeconds(2), LastDeployed + TimeSpan.FromSeconds(10), DurationSeconds: 15,
            HeldBy: "ci-runner/4242/k3x9", EndedAt: LastDeployed + TimeSpan.FromSeconds(12)));

        await evaluator.EvaluateAsync(Demo, CancellationToken.None);

        Assert.Equal(["alert stuck", "fix fixed"], _decisions.Select(Summary));
        Assert.Contains(
            "\"verdict\":\"stale\",\"evidence\":\"Lease team-a/helm-unstick.demo: holder ci-runner/4242/k3x9 gone since 2026-11-23T23:50:51Z; its lease covers the pending revision\"",
            _decisions[0]);
        Assert.Empty(evaluator.Tracked);
    }

    private static InMemoryReleaseStore Store(StorageDriver driver) => InMemoryReleaseStore.FromStoreFile(Fixtures.StuckUpgradeStore, driver);

    /// <param name="through">The store the evaluator reads through (a counting wrapper), when not <paramref name="memory"/> itself.</param>
    private ReleaseEvaluator Evaluator(
        RemediationPolicy policy, InMemoryReleaseStore memory, IReleaseStore? through = null, Func<DateTimeOffset, ReleaseLease?>? lease = null) => new(
        new StoreIndex(memory, Demo),
        through ?? memory,
        policy,
        _leader,
        new RecordingEvents(_events),
        new ServeMetrics(),
        (_, _, _) => Task.FromResult(_fixes.Dequeue()),
        (stuck, decision, now, _) =>
        {
            // No objects: the verdict rests on the revision's own writes and Helm's window (and the Lease, when given).
            _livenessReads++;
            return Task.FromResult(new LivenessFacts(
                new ResourceKey(memory.Driver.Kind(), stuck.Namespace, stuck.ObjectName), stuck.Release!.LastDeployed, 0, [], [], now,
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

    private static FixAttempt Fixed() => new(RemediationOutcome.Fixed, ["helm status shows revision 3"], "secret://ops/backup", Changed: true);

    private static FixAttempt Blocked(string reason) => new(RemediationOutcome.Blocked, [reason], null, Changed: false);

    private static string Summary(string decision)
    {
        var json = JsonNode.Parse(decision)!;
        return $"{json["action"]} {json["outcome"]}";
    }

    /// <summary>What serve's watcher would know of one release: its objects' labels and resourceVersions, as the store holds them now.</summary>
    private sealed class StoreIndex(InMemoryReleaseStore store, ReleaseKey release) : IReleaseIndex
    {
        public PayloadsToRead? PayloadsToRead(ReleaseKey key)
        {
            var index = new ReleaseLabelIndex();
            foreach (var revision in Revisions())
            {
                index.Upsert(revision.Namespace, revision.ObjectName, revision.Labels);
            }

            return index.PayloadsToRead(key);
        }

        public string? ResourceVersionOf(string ns, string name) => Revisions().FirstOrDefault(r => r.ObjectName == name)?.ResourceVersion;

        // The in-memory store answers at once; read directly, not through the counting wrapper the evaluator may use.
        private IReadOnlyList<StoredRevision> Revisions() =>
            store.ReadHistoryAsync(release.Release, release.Namespace, CancellationToken.None).GetAwaiter().GetResult().Revisions;
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
