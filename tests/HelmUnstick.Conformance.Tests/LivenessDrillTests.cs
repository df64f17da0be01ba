namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The liveness verdict against real Helm 3 and 4: while a helm still waits (on a Deployment that never becomes
/// ready, or a hook Job that never finishes) the release is possibly-running and fix refuses, changing nothing;
/// once that helm is SIGKILLed and its wait window has passed, the verdict is stale and the fix goes through. A kind
/// the user may not read makes the verdict unknown. Recent writes are switched off (<c>--stale-after 0s</c>) so
/// that the wait is the only sign; a short <c>--helm-timeout</c> closes the window without waiting for it.
/// </summary>
public sealed class LivenessDrillTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    internal static readonly string Chart = Path.Combine(RepositoryPaths.Root, "tests", "HelmUnstick.Conformance.Tests", "Charts", "liveness");

    private static readonly string[] Quiet = ["--stale-after", "0s", "--skip-ci-check", "--reason", "DRILL-2 liveness"];

    public enum LiveWait
    {
        /// <summary>helm upgrade --wait on a Deployment the sandbox never makes available.</summary>
        Deployment,

        /// <summary>helm upgrade running a pre-upgrade hook Job the sandbox never completes.</summary>
        HookJob,
    }

    public static TheoryData<string, LiveWait> Waits() => new()
    {
        { "helm3", LiveWait.Deployment },
        { "helm4", LiveWait.Deployment },
        { "helm3", LiveWait.HookJob },
        { "helm4", LiveWait.HookJob },
    };

    [Theory]
    [MemberData(nameof(Waits))]
    public async Task LiveHelmWaiting_IsPossiblyRunningAndFixRefuses_ThenKilledAndPastItsWindow_IsStaleAndFixed(string helm, LiveWait wait)
    {
        var ns = cluster.NewNamespace($"{helm}-live-{wait.ToString().ToLowerInvariant()}");
        await cluster.HelmSucceedsAsync(helm, "install", "app", Chart, "-n", ns);
        var (set, started, evidence) = wait == LiveWait.Deployment
            ? ("neverReady.deployment=true",
                (Func<bool>)(() => cluster.Server.Store.Get("apps/v1", "deployments", ns, "app-web")?["metadata"]?["annotations"]?[NeverReady] is not null),
                $"Deployment {ns}/app-web: ready 0/1, available 0/1: helm --wait would still wait on it")
            : ("hook=true,neverReady.hook=true",
                () => cluster.Server.Store.Get("batch/v1", "jobs", ns, "app-migrate") is not null,
                $"Job {ns}/app-migrate: hook not complete (succeeded 0, active 1): helm waits for it");

        using var live = cluster.StartHelm(helm, "upgrade", "app", Chart, "-n", ns, "--set", set, "--wait", "--timeout", "10m");
        await UntilAsync(started, live);
        var pending = cluster.Secret(ns, "sh.helm.release.v1.app.v2")!;

        var scan = await cluster.HelmUnstickAsync(["scan", "-n", ns, "-o", "json", "--stale-after", "0s"]);
        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray())!;
        Assert.Equal("possibly-running", (string?)finding["verdict"]);
        Assert.Contains(evidence, finding["evidence"]!.AsArray().Select(e => (string?)e));

        var check = await cluster.HelmUnstickAsync(["check", "app", "-n", ns, "-o", "json", .. Quiet]);
        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.Equal("possibly-running", (string?)JsonNode.Parse(check.Out)!["verdict"]);
        Assert.Contains(evidence, JsonNode.Parse(check.Out)!["evidence"]!.AsArray().Select(e => (string?)e));

        var refused = await cluster.HelmUnstickAsync(["fix", "app", "-n", ns, "--apply", "--yes", .. Quiet]);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Equal(pending["metadata"]!["resourceVersion"]!.ToJsonString(), cluster.Secret(ns, "sh.helm.release.v1.app.v2")!["metadata"]!["resourceVersion"]!.ToJsonString());

        await live.KillAsync();
        var afterWindow = new[] { "--helm-timeout", "1ms" };
        var stale = await cluster.HelmUnstickAsync(["check", "app", "-n", ns, "-o", "json", .. Quiet, .. afterWindow]);
        Assert.Equal("stale", (string?)JsonNode.Parse(stale.Out)!["verdict"]);
        Assert.Equal("passed", (string?)JsonNode.Parse(stale.Out)!["checks"]![2]!["outcome"]);

        // The runbook's own workload check still sees the sick Deployment: the on-call engineer repairs it first.
        MakeReady("apps/v1", "deployments", ns, "app-web");

        var fix = await cluster.HelmUnstickAsync(["fix", "app", "-n", ns, "--apply", "--yes", .. Quiet, .. afterWindow]);
        Assert.True(fix.ExitCode == 0, fix.ToString());
        Assert.Null(cluster.Secret(ns, "sh.helm.release.v1.app.v2"));
        await cluster.HelmSucceedsAsync(helm, "upgrade", "app", Chart, "-n", ns, "--wait", "--timeout", "60s");
    }

    [Theory]
    [EachToolset]
    public async Task KindTheUserMayNotRead_IsUnknownAndFixRefuses(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-forbidden");
        await cluster.HelmSucceedsAsync(helm, "install", "app", Chart, "-n", ns, "--set", "database=true");
        await cluster.KillHelmAsync(helm, "PATCH", $"^/apis/apps/v1/namespaces/{ns}/deployments/app-web$", ["upgrade", "app", Chart, "-n", ns, "--set", "database=true,replicas=2"]);

        var restricted = new[] { "--kubeconfig", cluster.RestrictedKubeconfig };
        var scan = await cluster.HelmUnstickAsync(["scan", "-n", ns, "-o", "json", "--stale-after", "0s", .. restricted]);
        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray())!;
        Assert.Equal("unknown", (string?)finding["verdict"]);
        Assert.Equal(
            $"Database {ns}/app-db: cannot be checked: forbidden: databases.demo.helm-unstick.io \"app-db\" is forbidden: User \"oncall\" cannot get resource \"databases\" in API group \"demo.helm-unstick.io\" in the namespace \"{ns}\"",
            (string?)finding["evidence"]![0]);

        var fix = await cluster.HelmUnstickAsync(["fix", "app", "-n", ns, "--apply", "--yes", .. Quiet, .. restricted]);
        Assert.True(fix.ExitCode == 1, fix.ToString());
        Assert.NotNull(cluster.Secret(ns, "sh.helm.release.v1.app.v2"));
    }

    internal const string NeverReady = "sandbox.helm-unstick/never-ready";

    /// <summary>Waits (briefly, checking the store) until helm has written what it then waits on; fails if helm ends first.</summary>
    private static async Task UntilAsync(Func<bool> condition, ToolProcess helm)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            if (helm.Exited.IsCompleted)
            {
                Assert.Fail($"helm ended before it started waiting:\n{await helm.WaitAsync()}");
            }

            await Task.Delay(10);
        }

        Assert.True(condition(), "helm did not get to its wait within 10 seconds");
    }

    private void MakeReady(string groupVersion, string resource, string ns, string name)
    {
        var live = cluster.Server.Store.Get(groupVersion, resource, ns, name)!;
        live["metadata"]!["annotations"]!.AsObject().Remove(NeverReady);
        live.Remove("status");
        cluster.Server.Store.Upsert(groupVersion, resource, live);
    }
}
