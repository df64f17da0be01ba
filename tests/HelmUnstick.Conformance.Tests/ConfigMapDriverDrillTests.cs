namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The runbook drill on Helm's ConfigMap driver (<c>HELM_DRIVER=configmap</c>), with real Helm 3 and 4: helm is
/// SIGKILLed mid-upgrade or mid-install, <c>scan -A</c> finds the stuck release, fix (either strategy) unsticks it,
/// restore brings back the exact stuck ConfigMap, a second fix works and real helm upgrades again.
/// </summary>
public sealed class ConfigMapDriverDrillTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private const string Driver = "configmap";
    private static readonly string Demo = SandboxCluster.DemoChart;

    public static TheoryData<string, bool, string> Drills() => Toolsets.DrillRows([true, false]);

    [Theory]
    [MemberData(nameof(Drills))]
    public async Task HelmKilled_FixRestoreAndFixAgain_OnTheConfigMapDriver(string helm, bool midUpgrade, string strategy)
    {
        var ns = cluster.NewNamespace($"{helm}-cm-{(midUpgrade ? "upgrade" : "install")}-{strategy}");
        var apps = $"/apis/apps/v1/namespaces/{ns}";
        var (revision, status) = midUpgrade ? (2, "pending-upgrade") : (1, "pending-install");
        if (midUpgrade)
        {
            await cluster.StartHelmWithDriver(helm, Driver, "install", "demo", Demo, "-n", ns).SucceedsAsync();
            await cluster.KillHelmAsync(helm, "PATCH", $"^{apps}/deployments/demo-web$", ["upgrade", "demo", Demo, "-n", ns, "--set", "replicas=3"], Driver);
        }
        else
        {
            // Helm 3 creates objects with POST; Helm 4 server-side applies them with PATCH.
            var (method, path) = helm == "helm3" ? ("POST", $"^{apps}/deployments$") : ("PATCH", $"^{apps}/deployments/demo-web$");
            await cluster.KillHelmAsync(helm, method, path, ["install", "demo", Demo, "-n", ns], Driver);
        }

        var name = $"sh.helm.release.v1.demo.v{revision}";
        var stuck = cluster.Server.Store.Get("v1", "configmaps", ns, name)!;
        Assert.Equal(status, (string?)stuck["metadata"]!["labels"]!["status"]);
        Assert.Null(cluster.Secret(ns, name));
        await cluster.AssertHelmIsStuckAsync(helm, ns, Driver);

        var scan = await cluster.HelmUnstickAsync("scan", "-A", "-o", "json", "--driver", Driver);
        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray(), f => (string?)f!["namespace"] == ns)!;
        Assert.Equal((revision, status, name), ((int)finding["revision"]!, (string?)finding["status"], (string?)finding["secretName"]));

        await FixAsync(ns, strategy);
        var backup = Assert.Single(Directory.GetFiles(Path.Combine(cluster.StateDirectory, "backups", "sandbox", ns)));
        var restore = await cluster.HelmUnstickAsync("restore", backup, "--apply", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var restored = cluster.Server.Store.Get("v1", "configmaps", ns, name)!;
        Assert.Equal(stuck["data"]!.ToJsonString(), restored["data"]!.ToJsonString());
        Assert.Equal(stuck["metadata"]!["labels"]!.ToJsonString(), restored["metadata"]!["labels"]!.ToJsonString());
        await cluster.AssertHelmIsStuckAsync(helm, ns, Driver);

        await FixAsync(ns, strategy);
        await cluster.StartHelmWithDriver(helm, Driver, "upgrade", "--install", "demo", Demo, "-n", ns, "--set", "replicas=2", "--wait", "--timeout", "60s").SucceedsAsync();
        var history = await cluster.StartHelmWithDriver(helm, Driver, "history", "demo", "-n", ns).SucceedsAsync();
        Assert.Matches(@"(?m)^\d+\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0\s+(Upgrade|Install) complete", history.Out);
    }

    private async Task FixAsync(string ns, string strategy)
    {
        var fix = await cluster.HelmUnstickAsync(
            "fix", "demo", "-n", ns, "--driver", Driver, "--strategy", strategy, "--stale-after", "0s",
            "--skip-ci-check", "--reason", "DRILL-3 helm was SIGKILLed on purpose", "--apply", "--yes");
        Assert.True(fix.ExitCode == 0, fix.ToString());
    }
}
