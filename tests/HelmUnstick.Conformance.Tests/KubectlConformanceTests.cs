namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// Real kubectl 1.33 (shipped with the Helm 3.18 toolset) and 1.35 (with Helm 4.1) against the sandbox, on the
/// objects a real Helm install leaves behind.
/// </summary>
public sealed class KubectlConformanceTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    /// <summary>The Secret that holds revision 1 of the demo release.</summary>
    private const string ReleaseSecret = "sh.helm.release.v1.demo.v1";

    [Theory]
    [EachToolset]
    public async Task Get_SecretsDeploymentsAndReplicaSets_PrintsTheServersTables(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "get");

        var secrets = await cluster.KubectlSucceedsAsync(tools, "get", "secrets", "-n", ns);
        var deployments = await cluster.KubectlSucceedsAsync(tools, "get", "deployments", "-n", ns);
        var replicaSets = await cluster.KubectlSucceedsAsync(tools, "get", "replicasets", "-n", ns);
        var all = await cluster.KubectlSucceedsAsync(tools, "get", "secrets", "-A", "-l", "owner=helm,name=demo");

        Assert.Matches(@"(?m)^NAME\s+TYPE\s+DATA\s+AGE$", secrets.Out);
        Assert.Matches(@"(?m)^sh\.helm\.release\.v1\.demo\.v1\s+helm\.sh/release\.v1\s+1\s+\d+(m\d+)?[sm]$", secrets.Out);
        Assert.Matches(@"(?m)^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$", deployments.Out);
        Assert.Matches(@"(?m)^demo-web\s+1/1\s+1\s+1\s+\d+(m\d+)?[sm]$", deployments.Out);
        Assert.Matches(@"(?m)^demo-web-\w+\s+1\s+1\s+1\s+\d+(m\d+)?[sm]$", replicaSets.Out);
        Assert.Matches(@"(?m)^" + ns + @"\s+sh\.helm\.release\.v1\.demo\.v1\s", all.Out);
    }

    [Theory]
    [EachToolset]
    public async Task Describe_DeploymentAndReleaseSecret_ShowsRolloutAndLabels(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "describe");

        var deployment = await cluster.KubectlSucceedsAsync(tools, "describe", "deployment", "demo-web", "-n", ns);
        var secret = await cluster.KubectlSucceedsAsync(tools, "describe", "secret", ReleaseSecret, "-n", ns);

        Assert.Contains("Replicas:           1 desired | 1 updated | 1 total | 1 available | 0 unavailable", deployment.Out);
        Assert.Matches(@"Available\s+True\s+MinimumReplicasAvailable", deployment.Out);
        Assert.Matches(@"NewReplicaSet:\s+demo-web-\w+ \(1/1 replicas created\)", deployment.Out);
        Assert.Contains("status=deployed", secret.Out);
        Assert.Contains("Type:  helm.sh/release.v1", secret.Out);
        Assert.Matches(@"release:\s+\d+ bytes", secret.Out);
    }

    [Theory]
    [EachToolset]
    public async Task RolloutStatusAndEvents_OfAHelmDeployment_ReportTheRollout(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "rollout");

        var rollout = await cluster.KubectlSucceedsAsync(tools, "rollout", "status", "deployment/demo-web", "-n", ns, "--timeout", "60s");
        var events = await cluster.KubectlSucceedsAsync(tools, "get", "events", "-n", ns);

        Assert.Contains("deployment \"demo-web\" successfully rolled out", rollout.Out);
        Assert.Contains($"No resources found in {ns} namespace.", events.Err);
    }

    [Theory]
    [EachToolset]
    public async Task Scale_OfAHelmDeployment_RollsOutTheNewReplicaCount(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "scale");

        var scale = await cluster.KubectlSucceedsAsync(tools, "scale", "deployment", "demo-web", "-n", ns, "--replicas=3");
        var deployments = await cluster.KubectlSucceedsAsync(tools, "get", "deployments", "-n", ns);

        Assert.Contains("deployment.apps/demo-web scaled", scale.Out);
        Assert.Matches(@"(?m)^demo-web\s+3/3\s+3\s+3\s", deployments.Out);
        var deployment = cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web")!;
        Assert.Equal((3, 3), ((long)deployment["spec"]!["replicas"]!, (long)deployment["status"]!["availableReplicas"]!));
    }

    [Theory]
    [EachToolset]
    public async Task Delete_ReleaseSecretAndDeployment_RemovesThemAndTheReplicaSets(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "delete");

        var secret = await cluster.KubectlSucceedsAsync(tools, "delete", "secret", ReleaseSecret, "-n", ns);
        var deployment = await cluster.KubectlSucceedsAsync(tools, "delete", "deployment", "demo-web", "-n", ns);

        Assert.Contains("secret \"sh.helm.release.v1.demo.v1\" deleted", secret.Out);
        Assert.Contains("deployment.apps \"demo-web\" deleted", deployment.Out);
        Assert.Null(cluster.Secret(ns, ReleaseSecret));
        Assert.Null(cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web"));
        Assert.Empty(cluster.Server.Store.List("apps/v1", "replicasets", ns));
        var missing = await cluster.KubectlAsync(tools, "get", "secret", ReleaseSecret, "-n", ns);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("secrets \"sh.helm.release.v1.demo.v1\" not found", missing.Err);
    }

    [Theory]
    [EachToolset]
    public async Task GetSecretAsYaml_ReplacedAsIs_KeepsTheReleaseHelmReads(string tools)
    {
        var ns = await cluster.InstallDemoAsync(tools, "yaml");
        var original = cluster.Secret(ns, ReleaseSecret)!;
        var file = Path.Combine(cluster.Root, $"{ns}-release.yaml");

        var yaml = await cluster.KubectlSucceedsAsync(tools, "get", "secret", ReleaseSecret, "-n", ns, "-o", "yaml");
        await File.WriteAllTextAsync(file, yaml.Out);
        await cluster.KubectlSucceedsAsync(tools, "replace", "-f", file);

        var replaced = cluster.Secret(ns, ReleaseSecret)!;
        Assert.Contains($"release: {(string?)original["data"]!["release"]}", yaml.Out);
        Assert.Equal((string?)original["data"]!["release"], (string?)replaced["data"]!["release"]);
        Assert.Equal(original["metadata"]!["labels"]!.ToJsonString(), replaced["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal((string?)original["metadata"]!["uid"], (string?)replaced["metadata"]!["uid"]);
        Assert.Equal("helm.sh/release.v1", (string?)replaced["type"]);
        await cluster.AssertHistoryAsync(tools, "demo", ns, @"(?m)^1\s+.*\sdeployed\s+demo-0\.1\.0");
    }

    [Theory]
    [EachToolset]
    public async Task ServerSideApply_OfAFieldHelmOwns_ConflictsUnlessForced(string tools)
    {
        var ns = cluster.NewNamespace($"{tools}-apply");
        await cluster.HelmSucceedsAsync("helm4", "install", "demo", SandboxCluster.DemoChart, "-n", ns);
        var file = Path.Combine(cluster.Root, $"{ns}-configmap.json");
        await File.WriteAllTextAsync(file, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "demo-cfg", ["namespace"] = ns },
            ["data"] = new JsonObject { ["greeting"] = "changed by hand" },
        }.ToJsonString());

        var conflicting = await cluster.KubectlAsync(tools, "apply", "--server-side", "-f", file);
        var forced = await cluster.KubectlAsync(tools, "apply", "--server-side", "--force-conflicts", "-f", file);

        Assert.Equal(1, conflicting.ExitCode);
        Assert.Contains("conflict with \"helm\"", conflicting.Err);
        Assert.Contains(".data.greeting", conflicting.Err);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var configMap = cluster.Server.Store.Get("v1", "configmaps", ns, "demo-cfg")!;
        Assert.Equal("changed by hand", (string?)configMap["data"]!["greeting"]);
        var managers = configMap["metadata"]!["managedFields"]!.AsArray().Select(entry => (string?)entry!["manager"]).ToList();
        Assert.Contains("kubectl", managers);
    }
}
