namespace HelmUnstick.Conformance.Tests;

/// <summary>Real Helm 3.18 and Helm 4.1, unmodified, against the sandbox: the commands an on-call SRE runs.</summary>
public sealed class HelmConformanceTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly string Demo = SandboxCluster.DemoChart;

    [Theory]
    [EachToolset]
    public async Task Install_ThenListStatusHistoryGetManifestAndGetValues_ReportTheRelease(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-install");

        await cluster.HelmSucceedsAsync(helm, "install", "demo", Demo, "-n", ns, "--set", "greeting=hola");

        Assert.Equal("hola", (string?)cluster.Server.Store.Get("v1", "configmaps", ns, "demo-cfg")?["data"]?["greeting"]);
        Assert.NotNull(cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web"));
        Assert.Equal("deployed", (string?)cluster.Secret(ns, "sh.helm.release.v1.demo.v1")?["metadata"]?["labels"]?["status"]);

        var list = await cluster.HelmSucceedsAsync(helm, "list", "-n", ns);
        Assert.Matches(@"(?m)^demo\s+" + ns + @"\s+1\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0", list.Out);

        // Helm 4 always lists the release's objects, which it reads as server-side Tables; Helm 3 on request.
        var status = await cluster.HelmSucceedsAsync(helm, helm == "helm3" ? ["status", "demo", "-n", ns, "--show-resources"] : ["status", "demo", "-n", ns]);
        Assert.Contains("STATUS: deployed", status.Out);
        Assert.Contains("REVISION: 1", status.Out);
        Assert.Matches(@"==> v1/Deployment\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+demo-web\s+1/1\s+1\s+1\s", status.Out);
        Assert.Matches(@"==> v1/ConfigMap\s+NAME\s+DATA\s+AGE\s+demo-cfg\s+1\s", status.Out);

        await cluster.AssertHistoryAsync(helm, "demo", ns, @"(?m)^1\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0\s+Install complete");

        var manifest = await cluster.HelmSucceedsAsync(helm, "get", "manifest", "demo", "-n", ns);
        Assert.Contains("kind: Deployment", manifest.Out);
        Assert.Contains("name: demo-web", manifest.Out);
        Assert.Matches(@"greeting: ""?hola""?", manifest.Out);

        var values = await cluster.HelmSucceedsAsync(helm, "get", "values", "demo", "-n", ns);
        Assert.Contains("greeting: hola", values.Out);
    }

    [Theory]
    [EachToolset]
    public async Task UpgradeWithWait_RollsTheDeploymentOutAndSupersedesRevision1(string helm)
    {
        var ns = await cluster.InstallDemoAsync(helm, "upgrade");

        await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "greeting=hi", "--set", "replicas=2", "--wait", "--timeout", "60s");

        var deployment = cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web")!;
        Assert.Equal(2, (long)deployment["spec"]!["replicas"]!);
        Assert.Equal(2, (long)deployment["status"]!["availableReplicas"]!);
        Assert.Equal("hi", (string?)cluster.Server.Store.Get("v1", "configmaps", ns, "demo-cfg")?["data"]?["greeting"]);
        await cluster.AssertHistoryAsync(helm, "demo", ns, @"(?m)^1\s+.*\ssuperseded\s+demo-0\.1\.0", @"(?m)^2\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0\s+Upgrade complete");
    }

    [Theory]
    [EachToolset]
    public async Task UpgradeWithWait_OfTheImage_PatchesTheContainerInPlaceAndRollsOutANewReplicaSet(string helm)
    {
        var ns = await cluster.InstallDemoAsync(helm, "image");

        // Helm 3 sends a strategic merge patch keyed by container name ($setElementOrder); Helm 4 applies server-side.
        await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "image=nginx:1.27", "--wait", "--timeout", "60s");

        var container = Assert.Single(cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web")!["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!;
        Assert.Equal(("web", "nginx:1.27", "GREETING"), ((string?)container["name"], (string?)container["image"], (string?)container["env"]![0]!["name"]));
        var replicaSets = cluster.Server.Store.List("apps/v1", "replicasets", ns)
            .ToDictionary(rs => (string)rs["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!, rs => (long)rs["spec"]!["replicas"]!);
        Assert.Equal(new Dictionary<string, long> { ["1"] = 0, ["2"] = 1 }, replicaSets);
    }

    [Theory]
    [EachToolset]
    public async Task UpgradeWithWait_WhenTheDeploymentNeverBecomesReady_FailsAndRecordsRevision2Failed(string helm)
    {
        var ns = await cluster.InstallDemoAsync(helm, "notready");
        var annotate = await cluster.KubectlAsync(helm, "annotate", "deployment", "demo-web", "-n", ns, "sandbox.helm-unstick/never-ready=true");
        Assert.True(annotate.ExitCode == 0, annotate.ToString());

        var upgrade = await cluster.HelmAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "replicas=2", "--wait", "--timeout", "3s");

        Assert.True(upgrade.ExitCode != 0, upgrade.ToString());
        Assert.Contains("UPGRADE FAILED", upgrade.Err);
        await cluster.AssertHistoryAsync(helm, "demo", ns, @"(?m)^2\s+.*\sfailed\s+demo-0\.1\.0");
    }

    [Theory]
    [EachToolset]
    public async Task HelmsOwnRollback_ToRevision1_DeploysRevision3WithRevision1sValues(string helm)
    {
        var ns = await cluster.InstallDemoAsync(helm, "rollback");
        await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "replicas=2");

        await cluster.HelmSucceedsAsync(helm, "rollback", "demo", "1", "-n", ns);

        Assert.Equal(1, (long)cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web")!["spec"]!["replicas"]!);
        await cluster.AssertHistoryAsync(helm, "demo", ns, @"(?m)^2\s+.*\ssuperseded\s", @"(?m)^3\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0\s+Rollback to 1");
    }

    [Theory]
    [EachToolset]
    public async Task Uninstall_RemovesTheObjectsAndEveryReleaseSecret(string helm)
    {
        var ns = await cluster.InstallDemoAsync(helm, "uninstall");
        await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "greeting=hi");

        var uninstall = await cluster.HelmSucceedsAsync(helm, "uninstall", "demo", "-n", ns);

        Assert.Contains("release \"demo\" uninstalled", uninstall.Out);
        Assert.Null(cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web"));
        Assert.Null(cluster.Server.Store.Get("v1", "configmaps", ns, "demo-cfg"));
        Assert.Empty(cluster.Server.Store.List("v1", "secrets", ns));
        Assert.Empty(cluster.Server.Store.List("apps/v1", "replicasets", ns));
        var history = await cluster.HelmAsync(helm, "history", "demo", "-n", ns);
        Assert.NotEqual(0, history.ExitCode);
        Assert.Contains("release: not found", history.Err);
    }

    [Theory]
    [EachToolset]
    public async Task InstallWithHooks_RunsThePreInstallHookAndDeploys(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-hooks");

        await cluster.HelmSucceedsAsync(helm, "install", "example", RepositoryPaths.Chart("demohook"), "-n", ns, "--description", "example install");

        await cluster.AssertHistoryAsync(helm, "example", ns, @"(?m)^1\s+.*\sdeployed\s+.*example install");
        Assert.NotNull(cluster.Server.Store.Get("apps/v1", "deployments", ns, "example-web"));
    }
}
