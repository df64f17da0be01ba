namespace HelmUnstick.Core.Tests.Liveness;

/// <summary>
/// The verdict for the real stuck upgrade of release demo (revision 4, last_deployed 2026-11-23T23:50:39Z), with its
/// real Deployment and ConfigMap as the apiserver served them, changed only in what each case is about.
/// </summary>
public sealed class LivenessRuleTests
{
    private static readonly DateTimeOffset LastDeployed = DateTimeOffset.Parse("2026-11-23T23:50:39.411003648Z");
    private static readonly ResourceKey Web = new("Deployment", "team-a", "demo-web");
    private static readonly ResourceKey Cfg = new("ConfigMap", "team-a", "demo-cfg");
    private static readonly ResourceKey HookJob = new("Job", "team-a", "demo-migrate");

    public static TheoryData<string, LivenessCase, LivenessVerdict> Cases => new()
    {
        { "everything quiet, window over", new(), LivenessVerdict.Stale },
        { "a fresh pending revision (sign 1)", new(StaleAfter: TimeSpan.FromMinutes(15), HelmWaitsOver: false), LivenessVerdict.PossiblyRunning },
        { "a recent managedFields write on the Deployment (sign 1)", new(WebWrittenAgo: TimeSpan.FromMinutes(2)), LivenessVerdict.PossiblyRunning },
        { "a recent write, sign 1 turned off", new(WebWrittenAgo: TimeSpan.FromMinutes(2), StaleAfter: TimeSpan.Zero), LivenessVerdict.Stale },
        { "the release Secret was written recently (sign 1)", new(StorageWrittenAgo: TimeSpan.FromSeconds(30)), LivenessVerdict.PossiblyRunning },
        { "Deployment not rolled out inside the window (sign 2)", new(WebAvailable: 1, HelmWaitsOver: false), LivenessVerdict.PossiblyRunning },
        { "Deployment not rolled out after the window", new(WebAvailable: 1), LivenessVerdict.Stale },
        { "hook Job running inside the window (sign 3)", new(HookJobStatus: "running", HelmWaitsOver: false), LivenessVerdict.PossiblyRunning },
        { "hook Job running after the window", new(HookJobStatus: "running"), LivenessVerdict.Stale },
        { "hook Job complete inside the window", new(HookJobStatus: "complete", HelmWaitsOver: false), LivenessVerdict.Stale },
        { "Deployment missing inside the window", new(WebMissing: true, HelmWaitsOver: false), LivenessVerdict.Stale },
        { "forbidden kind inside the window", new(CfgForbidden: true, HelmWaitsOver: false, StaleAfter: TimeSpan.Zero), LivenessVerdict.Unknown },
        { "forbidden kind after the window, recent writes checked", new(CfgForbidden: true), LivenessVerdict.Unknown },
        { "forbidden kind after the window, recent writes off", new(CfgForbidden: true, StaleAfter: TimeSpan.Zero), LivenessVerdict.Stale },
        { "a sign wins over a forbidden kind", new(CfgForbidden: true, WebWrittenAgo: TimeSpan.FromMinutes(1)), LivenessVerdict.PossiblyRunning },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Assess_CombinesTheSigns(string because, LivenessCase @case, LivenessVerdict expected)
    {
        var assessment = LivenessRule.Assess(@case.Facts());

        Assert.True(expected == assessment.Verdict, $"{because}: {assessment.Verdict}\n{string.Join("\n", assessment.Findings)}");
    }

    public static TheoryData<string, LivenessCase, bool> MayChangeCases => new()
    {
        { "window over, revision written long ago: judged again from memory", new(), false },
        { "a recent write on an object: judged again from memory as it ages", new(WebWrittenAgo: TimeSpan.FromMinutes(2)), false },
        { "inside the window: a wait or hook may finish", new(HelmWaitsOver: false, StaleAfter: TimeSpan.Zero), true },
        { "window over, last_deployed within staleAfter: a helm may still write", new(Now: LastDeployed + TimeSpan.FromMinutes(12), StaleAfter: TimeSpan.FromMinutes(15)), true },
        { "the release Secret written recently: its watcher sees a write, its age is judged from memory", new(StorageWrittenAgo: TimeSpan.FromSeconds(30)), false },
        { "an object could not be read: the next read may succeed", new(CfgForbidden: true), true },
    };

    [Theory]
    [MemberData(nameof(MayChangeCases))]
    public void EvidenceMayChange_OnlyWhileReadingAgainCouldChangeTheVerdict(string because, LivenessCase @case, bool expected)
    {
        var facts = @case.Facts();

        Assert.True(expected == LivenessRule.EvidenceMayChange(facts, facts.Now), because);
    }

    [Fact]
    public void EvidenceMayChange_WhileTheReleaseLeaseHadALiveHolderWhenItWasRead_HoweverLongAgo()
    {
        var facts = new LivenessCase().Facts();
        var live = facts with { Lease = new ReleaseLease("team-a", LeaseRule.NameFor("demo"), "runner-1", LastDeployed, facts.Now - TimeSpan.FromSeconds(5), 15) };
        var expired = facts with { Lease = live.Lease! with { RenewTime = facts.Now - TimeSpan.FromMinutes(1) } };

        Assert.Equal((true, false), (LivenessRule.EvidenceMayChange(live, facts.Now + TimeSpan.FromHours(1)), LivenessRule.EvidenceMayChange(expired, facts.Now)));
    }

    [Fact]
    public void Assess_NamesEachObjectAndReason_SignsFirst()
    {
        var facts = new LivenessCase(WebAvailable: 1, HookJobStatus: "running", CfgForbidden: true, HelmWaitsOver: false, StaleAfter: TimeSpan.Zero).Facts();

        var assessment = LivenessRule.Assess(facts);

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Equal(
        [
            new LivenessFinding(LivenessVerdict.PossiblyRunning, LivenessSignal.WaitedOn, Web, PendingObjectRole.Manifest, "ready 1/3, available 1/3"),
            new LivenessFinding(LivenessVerdict.PossiblyRunning, LivenessSignal.HookRunning, HookJob, PendingObjectRole.Hook, "not complete (succeeded 0, active 1)"),
            new LivenessFinding(LivenessVerdict.Unknown, LivenessSignal.Unreadable, Cfg, PendingObjectRole.Manifest,
                "configmaps is forbidden: User \"oncall\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"team-a\""),
        ], assessment.Findings);
    }

    [Fact]
    public void Assess_Stale_KeepsWhatWasChecked()
    {
        var facts = new LivenessCase(WebWrittenAgo: TimeSpan.FromHours(2)).Facts();

        var assessment = LivenessRule.Assess(facts);

        Assert.Equal(LivenessVerdict.Stale, assessment.Verdict);
        Assert.Equal(
        [
            new LivenessFinding(LivenessVerdict.Stale, LivenessSignal.Quiet, Web, PendingObjectRole.Manifest, null, facts.Now - TimeSpan.FromHours(2), "helm"),
            new LivenessFinding(LivenessVerdict.Stale, LivenessSignal.Quiet, Cfg, PendingObjectRole.Manifest),
            new LivenessFinding(LivenessVerdict.Stale, LivenessSignal.Missing, HookJob, PendingObjectRole.Hook),
        ], assessment.Findings);
    }

    [Theory]
    [InlineData(0, 300, "23:56:39")]
    [InlineData(2, 300, "00:06:39")]
    [InlineData(0, 1, "23:50:41")]
    [InlineData(1, 3600, "01:51:39")]
    public void Window_IsTimeoutPerHookPlusOnePlusGraceOfAtMostAMinute(int hooks, int timeoutSeconds, string endsAt)
    {
        var window = new HelmWaitWindow(LastDeployed, TimeSpan.FromSeconds(timeoutSeconds), hooks);

        Assert.Equal(endsAt, window.End!.Value.UtcDateTime.ToString("HH:mm:ss"));
    }

    [Fact]
    public void Window_WithoutLastDeployed_NeverCloses()
    {
        var window = new HelmWaitWindow(null, TimeSpan.FromMinutes(5), 0);

        Assert.True(window.IsOpenAt(DateTimeOffset.MaxValue));
    }

    /// <summary>
    /// One case: the default is the demo release 11 hours after helm was killed, every object quiet and ready, a
    /// stale-after period of 5m; inside the window is 10 minutes after last_deployed.
    /// </summary>
    public sealed record LivenessCase(
        DateTimeOffset? Now = null,
        TimeSpan? StaleAfter = null,
        bool HelmWaitsOver = true,
        TimeSpan? WebWrittenAgo = null,
        TimeSpan? StorageWrittenAgo = null,
        int WebAvailable = 3,
        bool WebMissing = false,
        bool CfgForbidden = false,
        string? HookJobStatus = null)
    {
        public LivenessFacts Facts()
        {
            // Inside the window: one minute before it closes (5m × 2 + 1m after last_deployed).
            var now = Now ?? (HelmWaitsOver ? new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero) : LastDeployed + TimeSpan.FromMinutes(10));
            var objects = new List<ObservedObject>
            {
                WebMissing
                    ? ObservedObject.Missing(Web, PendingObjectRole.Manifest)
                    : ObservedObject.Found(Web, PendingObjectRole.Manifest, Deployment(now)),
                CfgForbidden
                    ? ObservedObject.Unreadable(Cfg, PendingObjectRole.Manifest,
                        "configmaps is forbidden: User \"oncall\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"team-a\"")
                    : ObservedObject.Found(Cfg, PendingObjectRole.Manifest, StoreObject("demo-cfg")),
                HookJobStatus is null
                    ? ObservedObject.Missing(HookJob, PendingObjectRole.Hook)
                    : ObservedObject.Found(HookJob, PendingObjectRole.Hook, Job(HookJobStatus)),
            };
            var storageWrites = StorageWrittenAgo is { } ago ? new[] { now - ago } : [];
            return new LivenessFacts(new ResourceKey("Secret", "team-a", "sh.helm.release.v1.demo.v4"), LastDeployed, 1, storageWrites, objects, now,
                StaleAfter ?? TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        }

        private JsonObject Deployment(DateTimeOffset now)
        {
            var web = StoreObject("demo-web");
            web["status"] = new JsonObject
            {
                ["observedGeneration"] = 4,
                ["replicas"] = 3,
                ["updatedReplicas"] = 3,
                ["readyReplicas"] = WebAvailable,
                ["availableReplicas"] = WebAvailable,
            };
            if (WebWrittenAgo is { } ago)
            {
                web["metadata"]!["managedFields"] = new JsonArray(
                    new JsonObject { ["manager"] = "kube-controller-manager", ["operation"] = "Update", ["time"] = "2026-11-23T23:48:33Z" },
                    new JsonObject { ["manager"] = "helm", ["operation"] = "Update", ["time"] = (now - ago).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") });
            }

            return web;
        }

        private static JsonObject Job(string status) => new()
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "demo-migrate", ["namespace"] = "team-a" },
            ["status"] = status == "complete"
                ? new JsonObject { ["succeeded"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Complete", ["status"] = "True" }) }
                : new JsonObject { ["active"] = 1 },
        };

        private static JsonObject StoreObject(string name) =>
            Fixtures.Json("helm3.18/cluster-with-stuck-upgrade.json").AsArray()
                .Single(e => (string?)e!["key"]![1] == "team-a" && (string?)e["key"]![3] == name)!["obj"]!.AsObject().DeepClone().AsObject();
    }
}
