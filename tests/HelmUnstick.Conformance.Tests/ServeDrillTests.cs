using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

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
            var canaryStuck = $"helm_unstick_release_stuck{{namespace=\"{canary}\",release=\"demo\",revision=\"2\",status=\"pending-upgrade\"}} 1";
            var productionStuck = $"helm_unstick_release_stuck{{namespace=\"{production}\",release=\"demo\",revision=\"2\",status=\"pending-upgrade\"}} 1";
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
                await WaitForAsync(async () => await Samples(http, port) is var s && s.Contains(canaryStuck) && s.Contains(productionStuck),
                    $"replica :{port} to export both stuck releases", replicas);
            }

            await WaitForAsync(async () => (await Samples(http, ports[0])).Contains(canaryFixed) || (await Samples(http, ports[1])).Contains(canaryFixed),
                "the canary release to be fixed", replicas);
            var leader = (await Samples(http, ports[0])).Contains("helm_unstick_leader 1") ? 0 : 1;
            var leaderSamples = await Samples(http, ports[leader]);
            await WaitForAsync(async () => !(await Samples(http, ports[1 - leader])).Contains(canaryStuck), "the other replica to see the fix", replicas);
            var followerSamples = await Samples(http, ports[1 - leader]);

            Assert.Contains(productionStuck, leaderSamples);
            Assert.DoesNotContain(canaryStuck, leaderSamples);
            Assert.Contains("helm_unstick_leader 0", followerSamples);
            Assert.Contains(productionStuck, followerSamples);
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
