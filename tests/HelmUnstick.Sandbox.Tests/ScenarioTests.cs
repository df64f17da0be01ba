using System.IO.Compression;

namespace HelmUnstick.Sandbox.Tests;

[Collection(CurrentDirectoryCollection.Name)]
public sealed class ScenarioTests
{
    [Theory]
    [InlineData("cluster-with-stuck-upgrade.json", "team-a", 4)]
    [InlineData("cluster-with-stuck-install.json", "team-c", 1)]
    public async Task FixtureStore_LoadsAndServesEveryObject(string file, string stuckNamespace, int stuckRevisions)
    {
        var path = Path.Combine("..", "shared", "fixtures", "helm3.18", file);
        var scenario = Scenario.Load(Path.GetFullPath(Path.Combine(RepositoryPaths.Root, path)));
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = scenario });

        var secrets = await sandbox.Client.CoreV1.ListNamespacedSecretAsync(stuckNamespace, labelSelector: "owner=helm");
        var namespaces = await sandbox.Client.CoreV1.ListNamespaceAsync();
        var deployment = await sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("demo-web", "team-a");

        Assert.Equal(stuckRevisions, secrets.Items.Count);
        Assert.Contains(namespaces.Items, ns => ns.Metadata.Name == stuckNamespace);
        Assert.Contains(namespaces.Items, ns => ns.Metadata.Name == "team-b");
        Assert.Equal("nginx:1.25", deployment.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void Load_FixtureStoreByRelativePath_FromRepositoryRoot()
    {
        var previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = RepositoryPaths.Root;

            var scenario = Scenario.Load("../shared/fixtures/helm3.18/cluster-with-stuck-upgrade.json");

            Assert.Equal(10, scenario.Objects.Count);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public void BuiltInNames_ListsEmbeddedScenarios()
    {
        Assert.Equal(["gitlab-cny", "healthy"], Scenario.BuiltInNames);
    }

    [Fact]
    public void Load_UnknownName_ListsBuiltInScenarios()
    {
        var error = Assert.Throws<ScenarioException>(() => Scenario.Load("no-such-scenario"));

        Assert.Equal("Scenario 'no-such-scenario' is neither a built-in scenario (gitlab-cny, healthy) nor an existing file.", error.Message);
    }

    [Theory]
    [InlineData("{not json", "it is not valid JSON")]
    [InlineData("{}", "expected a JSON array")]
    [InlineData("""[{"key":["v1","ns","secrets"],"obj":{}}]""", "entry 0 has no \"key\" of four strings")]
    [InlineData("""[{"key":["v1","ns","secrets","a"]}]""", "entry 0 has no \"obj\" object")]
    [InlineData("""[{"key":["v1","ns","widgets","a"],"obj":{}}]""", "entry 0 is a widgets in v1, which the sandbox does not serve")]
    [InlineData("""[{"key":["v1","ns","secrets","a"],"obj":{"metadata":{"name":"b"}}}]""", "entry 0 has key name 'a' but metadata.name 'b'")]
    public void Load_BadFile_NamesFileAndProblem(string content, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        try
        {
            var error = Assert.Throws<ScenarioException>(() => Scenario.Load(path));

            Assert.StartsWith($"Cannot load scenario file '{path}': ", error.Message);
            Assert.Contains(problem, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task GitlabCny_HasStuckRevisionOnTopOfDeployedOne()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });

        var secrets = await sandbox.Client.CoreV1.ListNamespacedSecretAsync("gitlab-cny", labelSelector: "owner=helm,name=gitlab-cny");
        var releases = secrets.Items.ToDictionary(s => s.Metadata.Name, s => DecodeRelease(s.Data["release"]));

        Assert.Equal(
            ["sh.helm.release.v1.gitlab-cny.v1232", "sh.helm.release.v1.gitlab-cny.v1233", "sh.helm.release.v1.gitlab-cny.v1234"],
            releases.Keys);
        Assert.Equal(
            [(1232, "superseded", "8.5.1"), (1233, "deployed", "8.5.1"), (1234, "pending-upgrade", "8.5.2")],
            releases.Values.Select(r => (r["version"]!.GetValue<int>(), r["info"]!["status"]!.GetValue<string>(), r["chart"]!["metadata"]!["version"]!.GetValue<string>())));
        Assert.Equal(
            ["superseded", "deployed", "pending-upgrade"],
            secrets.Items.Select(s => s.Metadata.Labels["status"]));
        Assert.All(secrets.Items, s => Assert.Equal("helm.sh/release.v1", s.Type));
        var stuck = releases["sh.helm.release.v1.gitlab-cny.v1234"];
        Assert.True(DateTimeOffset.Parse(stuck["info"]!["last_deployed"]!.GetValue<string>()) < new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("s3cr3t-demo", stuck["config"]!["global"]!["psql"]!["password"]!.GetValue<string>());
        Assert.Contains("registry.gitlab.com/gitlab-org/build/cng/webservice:v17.5.2", stuck["manifest"]!.GetValue<string>());
        Assert.Contains("# Source: ", releases["sh.helm.release.v1.gitlab-cny.v1233"]["manifest"]!.GetValue<string>());
    }

    [Fact]
    public async Task GitlabCny_DeploymentsAreRolledOutWithWebserviceWithinHpaTolerance()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });

        var deployments = await sandbox.Client.AppsV1.ListNamespacedDeploymentAsync("gitlab-cny");
        var hpa = await sandbox.Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("gitlab-cny-webservice", "gitlab-cny");

        Assert.Equal(12, deployments.Items.Count);
        Assert.All(deployments.Items, d =>
        {
            Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
            Assert.All(d.Status.Conditions, c => Assert.Equal("True", c.Status));
            Assert.Contains(d.Status.Conditions, c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable");
            if (d.Metadata.Name != "gitlab-cny-webservice")
            {
                Assert.Equal(d.Spec.Replicas, d.Status.AvailableReplicas);
            }
        });
        var webservice = deployments.Items.Single(d => d.Metadata.Name == "gitlab-cny-webservice");
        Assert.Equal((20, 19, 19), (webservice.Spec.Replicas, webservice.Status.UpdatedReplicas, webservice.Status.AvailableReplicas));
        Assert.Equal(("Deployment", "gitlab-cny-webservice"), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Equal(
            ["gitlab-cny-sidekiq", "gitlab-cny-webservice"],
            deployments.Items.Where(d => d.Spec.Template.Spec.Containers[0].Image.EndsWith(":v17.5.2", StringComparison.Ordinal)).Select(d => d.Metadata.Name));
    }

    [Fact]
    public async Task Healthy_HasNoPendingRevision()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("healthy") });

        var secrets = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "owner=helm");

        Assert.Equal(["superseded", "deployed"], secrets.Items.Select(s => DecodeRelease(s.Data["release"])["info"]!["status"]!.GetValue<string>()));
    }

    /// <summary>KubernetesClient already removed the API's base64 layer; Helm's own base64 and gzip remain.</summary>
    private static JsonNode DecodeRelease(byte[] helmString)
    {
        var compressed = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(helmString));
        Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08 }, compressed[..3]);
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        return JsonNode.Parse(gzip)!;
    }
}
