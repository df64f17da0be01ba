using System.Net;
using System.Net.Sockets;

namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The in-cluster drill: real helm killed mid-upgrade in two namespaces, two <c>serve</c> replicas (processes of
/// their own) with a policy that fixes one namespace and only alerts on the other. The leader alone fixes; real
/// helm then upgrades the fixed release; the other stays stuck; SIGTERM ends both replicas with exit 0 within 10 s.
/// </summary>
public sealed class ServeDrillTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly string Demo = SandboxCluster.DemoChart;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task TwoReplicas_FixTheCanaryNamespaceOnce_AlertOnTheOther_AndStopOnSigterm()
    {
        var canary = cluster.NewNamespace("web-cny");
        var production = cluster.NewNamespace("web-prod");
        var policy = Path.Combine(cluster.Root, "policy.yaml");
        await File.WriteAllTextAsync(policy, """
            rules:
              - namespaces: ["*-cny-*"]
                action: fix
                strategy: delete
                staleAfter: 5s
                skipCiCheck: true
                reason: "DRILL-2 canary namespaces unstick themselves"
              - namespaces: ["*-prod-*"]
                action: alert
                staleAfter: 5s
            limits:
              maxFixesPerHour: 5
            """);
        var backups = Path.Combine(cluster.Root, "serve-backups");

        var ports = new[] { FreePort(), FreePort() };
        var replicas = new List<ToolProcess>();
        foreach (var port in ports)
        {
            replicas.Add(await cluster.StartHelmUnstickAsync(
                "serve", "-A", "--policy", policy, "--backup-dir", backups, "--metrics-address", $"127.0.0.1:{port}",
                "--lease-namespace", "default", "--lease-name", "drill", "--resync", "1s"));
        }

        try
        {
            using var http = new HttpClient();
            // Series prefixes, whatever the verdict label says at the scrape: the drill is about who fixes, not the verdict.
            var canaryStuck = $"helm_unstick_release_stuck{{namespace=\"{canary}\",release=\"demo\",revision=\"2\",status=\"pending-upgrade\",verdict=";
            var productionStuck = $"helm_unstick_release_stuck{{namespace=\"{production}\",release=\"demo\",revision=\"2\",status=\"pending-upgrade\",verdict=";
            var canaryFixed = $"helm_unstick_remediations_total{{namespace=\"{canary}\",release=\"demo\",strategy=\"delete\",outcome=\"fixed\"}} 1";

            foreach (var port in ports)
            {
                await WaitForAsync(async () => (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode == HttpStatusCode.OK,
                    $"replica :{port} to be ready", replicas);
            }

            // Killed while the replicas watch: production first, so both are stuck before the canary turns stale (5s).
            await KillUpgradeAsync("helm4", production);
            await KillUpgradeAsync("helm3", canary);
            foreach (var port in ports)
            {
                await WaitForAsync(async () => await Samples(http, port) is var s && s.Any(l => l.StartsWith(canaryStuck, StringComparison.Ordinal)) && s.Any(l => l.StartsWith(productionStuck, StringComparison.Ordinal)),
                    $"replica :{port} to export both stuck releases", replicas);
            }

            await WaitForAsync(async () => (await Samples(http, ports[0])).Contains(canaryFixed) || (await Samples(http, ports[1])).Contains(canaryFixed),
                "the canary release to be fixed", replicas);
            var leader = (await Samples(http, ports[0])).Contains("helm_unstick_leader 1") ? 0 : 1;
            var leaderSamples = await Samples(http, ports[leader]);
            await WaitForAsync(async () => !(await Samples(http, ports[1 - leader])).Any(l => l.StartsWith(canaryStuck, StringComparison.Ordinal)), "the other replica to see the fix", replicas);
            var followerSamples = await Samples(http, ports[1 - leader]);

            Assert.Contains(leaderSamples, l => l.StartsWith(productionStuck, StringComparison.Ordinal));
            Assert.DoesNotContain(leaderSamples, l => l.StartsWith(canaryStuck, StringComparison.Ordinal));
            Assert.Contains("helm_unstick_leader 0", followerSamples);
            Assert.Contains(followerSamples, l => l.StartsWith(productionStuck, StringComparison.Ordinal));
            Assert.DoesNotContain(followerSamples, s => s.StartsWith("helm_unstick_remediations_total", StringComparison.Ordinal));

            // Exactly one fix, by the leader: one backup, one audit line, one "fixed" decision.
            var backup = Assert.Single(Directory.GetFiles(Path.Combine(backups, "sandbox", canary)));
            Assert.False(Directory.Exists(Path.Combine(backups, "sandbox", production)));
            var fixes = replicas.SelectMany(r => Lines(r.Out)).Where(d => (string?)d["action"] == "fix").ToList();
            var fix = Assert.Single(fixes);
            Assert.Equal((canary, "demo", 2, "delete", "fixed", backup),
                ((string?)fix["namespace"], (string?)fix["release"], (int)fix["revision"]!, (string?)fix["strategy"], (string?)fix["outcome"], (string?)fix["backup"]));
            var alerts = Lines(replicas[leader].Out).Where(d => (string?)d["action"] == "alert").Select(d => (string?)d["namespace"]).Order();
            Assert.Equal(new[] { production, canary }.Order(), alerts);
            var audit = await File.ReadAllLinesAsync(Path.Combine(cluster.StateDirectory, "audit.log"));
            Assert.Single(audit, line => line.Contains($"\"namespace\":\"{canary}\"") && line.Contains("\"outcome\":\"changed\""));

            Assert.Equal(["ReleaseStuck", "ReleaseUnstuck"], EventReasons(canary));
            Assert.Equal(["ReleaseStuck"], EventReasons(production));

            // Real helm: the canary release upgrades again; the production one is still stuck and untouched.
            await cluster.HelmSucceedsAsync("helm3", "upgrade", "demo", Demo, "-n", canary, "--set", "replicas=2");
            var stuckAgain = await cluster.HelmAsync("helm4", "upgrade", "demo", Demo, "-n", production);
            Assert.Equal((1, SandboxCluster.AnotherOperationInProgress), (stuckAgain.ExitCode, stuckAgain.Err.Trim()));
            Assert.Equal("pending-upgrade", (string?)cluster.Secret(production, "sh.helm.release.v1.demo.v2")!["metadata"]!["labels"]!["status"]);

            // SIGTERM: each replica exits 0 within 10 s, and the leader hands the lease over.
            foreach (var replica in replicas)
            {
                var run = await replica.TerminateAsync(TimeSpan.FromSeconds(10));
                Assert.True(run.ExitCode == 0, run.ToString());
            }

            Assert.Equal("", (string?)cluster.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "drill")!["spec"]!["holderIdentity"]);
        }
        finally
        {
            replicas.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task BackupStoreSecret_ServeFixesAReleaseStuckByRealHelm_TheBackupOutlivesServe_RestoreIsExact_AndKeepTwoKeepsTwo()
    {
        var ns = cluster.NewNamespace("web-cny");
        var backups = cluster.NewNamespace("helm-unstick");
        var policy = await OneNamespacePolicyAsync(ns, """
            action: fix
            staleAfter: 2s
            skipCiCheck: true
            reason: "DRILL-3 backups in the cluster"
            """);
        await KillUpgradeAsync("helm3", ns);
        var stuck = cluster.Secret(ns, "sh.helm.release.v1.demo.v2")!;
        string[] serve = ["serve", "-n", ns, "--policy", policy, "--backup-store", "secret", "--backup-namespace", backups, "--backup-keep", "2",
            "--helm-timeout", "1s", "--lease-namespace", backups, "--lease-name", "backups-drill", "--resync", "1s"];

        // serve fixes the release, then its process is gone: the backup is a Secret in the cluster.
        var first = await ServeUntilFixedAsync(serve);
        Assert.Null(cluster.Secret(ns, "sh.helm.release.v1.demo.v2"));
        var backup = cluster.Secret(backups, first)!;
        Assert.Equal(
            ("helm-unstick.io/backup.v1", $$"""{"app.kubernetes.io/managed-by":"helm-unstick","helm-unstick.io/release":"demo","helm-unstick.io/namespace":"{{ns}}","helm-unstick.io/revision":"2","helm-unstick.io/driver":"secret"}"""),
            ((string?)backup["type"], backup["metadata"]!["labels"]!.ToJsonString()));

        var listed = await cluster.HelmUnstickAsync("backups", "-n", backups, "-o", "json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var row = Assert.Single(JsonNode.Parse(listed.Out)!.AsArray())!;
        Assert.Equal((first, "demo", ns, 2, $"helm-unstick restore secret://{backups}/{first} --apply"),
            ((string?)row["name"], (string?)row["release"], (string?)row["releaseNamespace"], (int?)row["revision"], (string?)row["restore"]));

        // restore puts revision 2 back exactly: real helm sees the release stuck again, as it was.
        var restore = await cluster.HelmUnstickAsync("restore", $"secret://{backups}/{first}", "--apply", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var restored = cluster.Secret(ns, "sh.helm.release.v1.demo.v2")!;
        Assert.Equal(
            (stuck["type"]!.ToJsonString(), stuck["data"]!.ToJsonString(), stuck["metadata"]!["labels"]!.ToJsonString()),
            (restored["type"]!.ToJsonString(), restored["data"]!.ToJsonString(), restored["metadata"]!["labels"]!.ToJsonString()));
        await cluster.AssertHelmIsStuckAsync("helm3", ns);

        // Two more fixes of the restored revision: --backup-keep 2 keeps the two newest backups of the release.
        var second = await ServeUntilFixedAsync(serve);
        Assert.True((await cluster.HelmUnstickAsync("restore", $"secret://{backups}/{second}", "--apply", "--yes")).ExitCode == 0);
        var third = await ServeUntilFixedAsync(serve);
        var kept = await cluster.HelmUnstickAsync("backups", "-n", backups, "-o", "json");
        Assert.Equal([third, second], JsonNode.Parse(kept.Out)!.AsArray().Select(b => (string?)b!["name"]));
        Assert.Equal([second, third], cluster.Server.Store.List("v1", "secrets", backups).Select(b => (string?)b["metadata"]!["name"]).Order());
        await cluster.HelmSucceedsAsync("helm3", "upgrade", "demo", Demo, "-n", ns, "--set", "replicas=2");
    }

    [Fact]
    public async Task AStuckReleaseKilledInsideHelmsWindow_IsPossiblyRunningOnMetrics_ThenStaleOnceTheWindowIsOver_WithoutARestart()
    {
        var ns = cluster.NewNamespace("web-window");
        var policy = await OneNamespacePolicyAsync(ns, """
            action: alert
            staleAfter: 0s
            """);
        await cluster.HelmSucceedsAsync("helm4", "install", "app", LivenessDrillTests.Chart, "-n", ns);
        var port = FreePort();
        using var serve = await cluster.StartHelmUnstickAsync("serve", "-n", ns, "--policy", policy, "--helm-timeout", "6s",
            "--metrics-address", $"127.0.0.1:{port}", "--lease-namespace", ns, "--lease-name", "window-drill", "--resync", "1s");
        using var http = new HttpClient();
        await WaitForAsync(async () => (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode == HttpStatusCode.OK, "serve to be ready", [serve]);

        // helm waits on a Deployment that never becomes ready, and is killed: its window is 6s x (0 hooks + 1) + 6s.
        using (var live = cluster.StartHelm("helm4", "upgrade", "app", LivenessDrillTests.Chart, "-n", ns, "--set", "neverReady.deployment=true", "--wait", "--timeout", "10m"))
        {
            await WaitForAsync(() => Task.FromResult(cluster.Server.Store.Get("apps/v1", "deployments", ns, "app-web")?["metadata"]?["annotations"]?[LivenessDrillTests.NeverReady] is not null),
                "helm to start waiting", [serve]);
            await live.KillAsync();
        }

        var series = $"helm_unstick_release_stuck{{namespace=\"{ns}\",release=\"app\",revision=\"2\",status=\"pending-upgrade\",verdict=";
        await WaitForAsync(async () => (await Samples(http, port)).Contains($"{series}\"possibly-running\"}} 1"), "the possibly-running series", [serve]);
        await WaitForAsync(async () => (await Samples(http, port)).Contains($"{series}\"stale\"}} 1"), "the stale series once the window is over", [serve]);

        Assert.Equal([$"{series}\"stale\"}} 1"], (await Samples(http, port)).Where(s => s.StartsWith("helm_unstick_release_stuck{", StringComparison.Ordinal)));
        var alert = Assert.Single(Lines(serve.Out));
        Assert.Equal(("alert", "possibly-running", $"Deployment {ns}/app-web: ready 0/1, available 0/1: helm --wait would still wait on it"),
            ((string?)alert["action"], (string?)alert["verdict"], (string?)alert["evidence"]));
        var stopped = await serve.TerminateAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
    }

    /// <summary>Writes a policy, under the cluster's root, whose one rule is for namespace <paramref name="ns"/> alone; returns its path.</summary>
    /// <param name="rule">The rule's other fields, one a line.</param>
    private async Task<string> OneNamespacePolicyAsync(string ns, string rule)
    {
        var path = Path.Combine(cluster.Root, $"{ns}-policy.yaml");
        var fields = rule.Split('\n').Select(field => $"    {field}");
        await File.WriteAllLinesAsync(path, ["rules:", $"  - namespaces: [\"{ns}\"]", .. fields]);
        return path;
    }

    /// <summary>Runs one serve process until it reports a fixed release, stops it, and returns the backup Secret's name.</summary>
    private async Task<string> ServeUntilFixedAsync(string[] args)
    {
        var port = FreePort();
        using var serve = await cluster.StartHelmUnstickAsync([.. args, "--metrics-address", $"127.0.0.1:{port}"]);
        await WaitForAsync(() => Task.FromResult(Lines(serve.Out).Any(d => (string?)d["outcome"] == "fixed")), "serve to fix the release", [serve]);
        var stopped = await serve.TerminateAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        var location = (string)Lines(stopped.Out).Single(d => (string?)d["outcome"] == "fixed")["backup"]!;
        Assert.StartsWith("secret://", location);
        return location[(location.LastIndexOf('/') + 1)..];
    }

    /// <summary>Installs the demo chart, then kills helm while it upgrades: revision 2 stays pending-upgrade.</summary>
    private async Task KillUpgradeAsync(string helm, string ns)
    {
        await cluster.HelmSucceedsAsync(helm, "install", "demo", Demo, "-n", ns);
        await cluster.KillHelmAsync(helm, "PATCH", $"^/apis/apps/v1/namespaces/{ns}/deployments/demo-web$", ["upgrade", "demo", Demo, "-n", ns, "--set", "replicas=3"]);
    }

    private IReadOnlyList<string?> EventReasons(string ns) =>
        cluster.Server.Store.List("v1", "events", ns).Select(e => (string?)e["reason"]).Order().ToList();

    private static IEnumerable<JsonNode> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!);

    private static async Task<IReadOnlyList<string>> Samples(HttpClient http, int port)
    {
        try
        {
            var body = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        }
        catch (HttpRequestException)
        {
            return []; // not listening yet
        }
    }

    /// <summary>Polls until the condition holds; fails with both replicas' output after <see cref="WaitLimit"/>.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, IReadOnlyList<ToolProcess> replicas)
    {
        var limit = Stopwatch.StartNew();
        while (!await Try(condition))
        {
            if (limit.Elapsed > WaitLimit)
            {
                Assert.Fail($"timed out waiting for {what}\n" + string.Join("\n", replicas.Select((r, i) => $"--- replica {i} stdout\n{r.Out}\n--- replica {i} stderr\n{r.Err}")));
            }

            await Task.Delay(50);
        }
    }

    private static async Task<bool> Try(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
