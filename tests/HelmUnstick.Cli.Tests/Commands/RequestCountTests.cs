using HelmUnstick.Cli.Tests.Serve;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// How many requests, and how many round trips one after another, the commands make: on a cluster 50 ms away every
/// sequential request costs that much, so these counts are pinned (never times) and a change cannot add round trips
/// silently. The fleets are copies of a real Helm pending-upgrade revision (team-a/demo v4) with manifests of chosen
/// sizes.
/// </summary>
public sealed class RequestCountTests
{
    /// <summary>The kinds of the stuck releases' manifests: two core kinds and a custom resource (one discovery).</summary>
    private static readonly (string ApiVersion, string Kind, int Count)[] ThreeKinds =
        [("v1", "ConfigMap", 10), ("apps/v1", "Deployment", 6), ("demo.helm-unstick.io/v1", "Database", 4)];

    /// <summary>
    /// Long enough that requests sent together overlap on the server even when a loaded test machine takes a while
    /// between sending them (the first call of each typed client method is compiled on the way).
    /// </summary>
    private static readonly TimeSpan OverlapLatency = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task Scan_OfNReleasesWithKStuckOfMObjectsInJKinds_MakesPagesPlusKTimesOnePlusJPlusOneDiscoveryPerGroup()
    {
        await using var cli = await FleetAsync(settled: 600);

        cli.Server.Requests.Clear();
        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["app", "app", "app", "demo"], JsonNode.Parse(run.Out)!.AsArray().Select(f => (string?)f!["release"]));

        // 1,208 release Secrets: one metadata-only page (of up to 2,000), and beside it one list of the pending-labelled
        // Secrets with their payloads, so no release Secret is read by GET. k = 4 stuck (team-a/demo's ConfigMap and
        // Deployment by GET: 2 each is "a few"), j = 3 kinds of 20 objects: a list per kind, metadata only for
        // ConfigMaps; discovery once for the custom resource's group, none for v1 and apps/v1; the scope's run-Leases
        // in one list beside the first page.
        var expected = new Dictionary<string, int>
        {
            ["GET /api/v1/secrets"] = 2,
            ["GET /apis/coordination.k8s.io/v1/leases"] = 1,
            ["GET /api/v1/namespaces/team-a/configmaps/demo-cfg"] = 1,
            ["GET /apis/apps/v1/namespaces/team-a/deployments/demo-web"] = 1,
            ["GET /apis/demo.helm-unstick.io/v1"] = 1,
        };
        foreach (var ns in new[] { "stuck-1", "stuck-2", "stuck-3" })
        {
            expected[$"GET /api/v1/namespaces/{ns}/configmaps"] = 1;
            expected[$"GET /apis/apps/v1/namespaces/{ns}/deployments"] = 1;
            expected[$"GET /apis/demo.helm-unstick.io/v1/namespaces/{ns}/databases"] = 1;
        }

        var log = cli.Server.Requests;
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal).ToList(), log.ByMethodAndPath().ToList());
        Assert.True(log.Count() <= 1 + (4 * (1 + 3)) + 1 + 1 + 1);
        Assert.Equal(
            "metadata only: labelSelector=owner=helm&limit=2000\n" +
            "payloads: labelSelector=owner=helm,status in (pending-install,pending-upgrade,pending-rollback)&limit=200&watch=false",
            string.Join("\n", log.Requests.Where(r => r.Path == "/api/v1/secrets")
                .Select(r => $"{(r.MetadataOnly ? "metadata only" : "payloads")}: {Uri.UnescapeDataString(r.Query.TrimStart('?').Replace('+', ' '))}")
                .Order(StringComparer.Ordinal)));
        Assert.All(log.Requests.Where(r => r.Path.EndsWith("/configmaps", StringComparison.Ordinal)), r => Assert.True(r.MetadataOnly, r.Path));
        Assert.All(log.Requests.Where(r => r.Path.EndsWith("/deployments", StringComparison.Ordinal)), r => Assert.False(r.MetadataOnly, r.Path));
    }

    [Fact]
    public async Task Scan_OfAClusterWithOneStuckRelease_TakesTwoSequentialRoundTrips_ListsThenObjects()
    {
        var options = new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Latency = OverlapLatency };
        await using var cli = await CliHarness.StartAsync(options);
        AddStuckRelease(cli, "stuck-1", "app", [("v1", "ConfigMap", 10), ("apps/v1", "Deployment", 2), ("batch/v1", "Job", 1)]);
        cli.Server.Store.Delete("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4");

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(2, cli.Server.Requests.SequentialRoundTrips());
        // The metadata list with the run-Lease list and the pending payloads beside it, then the objects by kind.
        Assert.Equal(1 + 1 + 1 + 1 + 2 + 1, cli.Server.Requests.Count());
    }

    [Fact]
    public async Task Scan_OfTwoMetadataPages_ReadsTheStuckReleasesObjectsWhileTheSecondPageIsListed()
    {
        var options = new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Latency = OverlapLatency };
        await using var cli = await CliHarness.StartAsync(options);
        AddSettledReleases(cli, "bulk", 1000);
        AddStuckRelease(cli, "stuck-1", "app", [("v1", "ConfigMap", 10), ("apps/v1", "Deployment", 2)]);
        cli.Server.Requests.Clear();

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["app", "demo"], JsonNode.Parse(run.Out)!.AsArray().Select(f => (string?)f!["release"]));
        var log = cli.Server.Requests;
        Assert.Equal(2, log.Requests.Count(r => r.Path == "/api/v1/secrets" && r.MetadataOnly));

        // 2,000-odd release Secrets are two metadata pages; the pending payloads come with the first, and their objects
        // are read beside the second page, not after it.
        Assert.Equal(2, log.SequentialRoundTrips());
    }

    [Fact]
    public async Task Check_ReadsTheStuckRevisionOnce_AndItsObjectsWithTheWorkloadsInOneRoundTrip()
    {
        var options = new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Latency = OverlapLatency };
        await using var cli = await CliHarness.StartAsync(options);
        AddStuckRelease(cli, "stuck-1", "app", ThreeKinds);
        cli.Server.Requests.Clear();

        var run = await cli.RunAsync("check", "app", "-n", "stuck-1", "--skip-ci-check", "--reason", "counting requests", "-o", "json");

        Assert.Equal("stale", (string?)JsonNode.Parse(run.Out)!["verdict"]);
        var log = cli.Server.Requests;

        // The history's list carries every revision's payload and write times: no GET of a release Secret.
        Assert.Equal(0, log.Count("GET", "/secrets/sh\\.helm\\.release"));
        Assert.Equal(1, log.Count("GET", "^/api/v1/namespaces/stuck-1/configmaps$"));
        Assert.Equal(1, log.Count("GET", "^/apis/demo\\.helm-unstick\\.io/v1$"));

        // The history, then the workloads with the objects (the custom kind after its discovery).
        Assert.True(log.SequentialRoundTrips() <= 3, string.Join("\n", log.Requests));
    }

    [Fact]
    public async Task Scan_KindTheUserMayGetButNotList_ReadsEachObject_AndTheVerdictIsUnchanged()
    {
        var users = new Dictionary<string, SandboxUser>
        {
            [SandboxServer.AnonymousToken] = new("oncall", [new AccessRule(["get", "list"], ["secrets", "deployments"]), new AccessRule(["get"], ["configmaps"])]),
        };
        await using var cli = await CliHarness.StartAsync(new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Users = users });
        AddStuckRelease(cli, "stuck-1", "app", [("v1", "ConfigMap", 5)]);
        cli.Server.Store.Upsert("v1", "configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "configmap-0", ["namespace"] = "stuck-1" } });
        cli.Server.Store.Delete("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4");
        cli.Server.Requests.Clear();

        var run = await cli.RunAsync("scan", "-n", "stuck-1", "-o", "json");

        var finding = JsonNode.Parse(run.Out)!.AsArray().Single()!;
        Assert.Equal("stale", (string?)finding["verdict"]);
        Assert.Equal(
            ["ConfigMap stuck-1/configmap-0: no managedFields times; ready", "ConfigMap stuck-1/configmap-1: does not exist (not created by the pending revision, or deleted)"],
            finding["evidence"]!.AsArray().Select(e => (string?)e).Take(2));
        Assert.Equal(1, cli.Server.Requests.Count("GET", "^/api/v1/namespaces/stuck-1/configmaps$"));
        Assert.Equal(5, cli.Server.Requests.Count("GET", "^/api/v1/namespaces/stuck-1/configmaps/"));
    }

    [Fact]
    public async Task Serve_AtRest_MakesNothingButItsLeaseRenewalAtEachResync()
    {
        await using var cli = await FleetAsync(settled: 100);

        var clock = new FakeTimeProvider(cli.Now);
        await using var serve = ServeRun.Start(cli, clock, "-A");
        await serve.WaitUntilAsync(() => serve.Decisions.Count == 4, "the four alerts");
        await serve.WaitUntilAsync(() => cli.Server.Requests.Count("POST", "/events$") == 4, "the four ReleaseStuck Events");
        cli.Server.Requests.Clear();

        // Two resyncs, each seen when every stuck release's age has moved on and the leader Lease was renewed once.
        for (var resync = 1; resync <= 2; resync++)
        {
            var ages = (await serve.SamplesAsync()).Where(s => s.StartsWith("helm_unstick_release_stuck_age_seconds", StringComparison.Ordinal)).ToList();
            clock.Advance(TimeSpan.FromSeconds(30));
            await serve.WaitUntilAsync(async () => !(await serve.SamplesAsync()).Intersect(ages).Any(), $"resync {resync}");
            var renewals = resync;
            await serve.WaitUntilAsync(() => cli.Server.Requests.Count("PUT", "/leases/helm-unstick$") == renewals, $"renewal {resync}");
        }

        Assert.Equal(
            [
                KeyValuePair.Create("GET /apis/coordination.k8s.io/v1/namespaces/default/leases/helm-unstick", 2),
                KeyValuePair.Create("PUT /apis/coordination.k8s.io/v1/namespaces/default/leases/helm-unstick", 2),
            ],
            cli.Server.Requests.ByMethodAndPath().ToList());
    }

    /// <summary>
    /// The real stuck upgrade (team-a/demo), <paramref name="settled"/> settled releases in namespace bulk, and release
    /// app stuck in stuck-1, stuck-2 and stuck-3 with <see cref="ThreeKinds"/>.
    /// </summary>
    private static async Task<CliHarness> FleetAsync(int settled)
    {
        var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        AddSettledReleases(cli, "bulk", settled);
        foreach (var ns in new[] { "stuck-1", "stuck-2", "stuck-3" })
        {
            AddStuckRelease(cli, ns, "app", ThreeKinds);
        }

        return cli;
    }

    /// <summary>Releases r0..r{count-1} in <paramref name="ns"/>, settled by their labels (1 superseded, 2 deployed): no payload is read.</summary>
    private static void AddSettledReleases(CliHarness cli, string ns, int count)
    {
        var template = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        for (var i = 0; i < count; i++)
        {
            foreach (var (version, status) in new[] { (1, "superseded"), (2, "deployed") })
            {
                cli.Server.Store.Upsert("v1", "secrets", CopyOf(template, ns, $"r{i}", version, status));
            }
        }
    }

    /// <summary>
    /// Release <paramref name="release"/> in <paramref name="ns"/> stuck at pending-upgrade revision 2 (over a deployed
    /// revision 1), its manifest holding <c>Count</c> objects of each kind, named kind-0, kind-1, ...; none exists.
    /// </summary>
    private static void AddStuckRelease(CliHarness cli, string ns, string release, IEnumerable<(string ApiVersion, string Kind, int Count)> kinds)
    {
        var template = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        cli.Server.Store.Upsert("v1", "secrets", CopyOf(template, ns, release, 1, "deployed"));
        cli.Server.Store.Upsert("v1", "secrets", CopyOf(template, ns, release, 2, "pending-upgrade"));
        var manifest = new StringBuilder();
        foreach (var (apiVersion, kind, count) in kinds)
        {
            for (var i = 0; i < count; i++)
            {
                manifest.Append($"---\n# Source: app/templates/{kind.ToLowerInvariant()}.yaml\napiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {kind.ToLowerInvariant()}-{i}\n");
            }
        }

        foreach (var (version, status, objects) in new[] { (1, "deployed", ""), (2, "pending-upgrade", manifest.ToString()) })
        {
            cli.EditRelease(ns, release, version, payload =>
            {
                payload["name"] = release;
                payload["namespace"] = ns;
                payload["version"] = version;
                payload["info"]!["status"] = status;
                payload["manifest"] = objects;
                payload.Remove("hooks");
            });
        }
    }

    private static JsonObject CopyOf(JsonObject template, string ns, string release, int version, string status)
    {
        var copy = (JsonObject)template.DeepClone();
        var meta = copy["metadata"]!.AsObject();
        meta.Remove("uid");
        meta.Remove("resourceVersion");
        meta["namespace"] = ns;
        meta["name"] = $"sh.helm.release.v1.{release}.v{version}";
        meta["labels"]!["name"] = release;
        meta["labels"]!["version"] = $"{version}";
        meta["labels"]!["status"] = status;
        return copy;
    }
}
