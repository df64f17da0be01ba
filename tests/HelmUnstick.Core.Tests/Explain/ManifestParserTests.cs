using System.Text.Json;

namespace HelmUnstick.Core.Tests.Explain;

public sealed class ManifestParserTests
{
    [Fact]
    public void Parse_RealReleaseManifest_ReturnsEachObjectInTheReleaseNamespace()
    {
        var release = ExplainFixtures.ReadRelease("release-no-hooks-no-values.json");

        var resources = ManifestParser.Parse(release["manifest"]!.GetValue<string>(), "team-a");

        Assert.Equal(
            ["ConfigMap team-a/demo-cfg", "Deployment team-a/demo-web"],
            resources.Select(resource => resource.Key.ToString()));
        var deployment = resources[1];
        Assert.Equal("apps/v1", deployment.ApiVersion);
        Assert.Equal(JsonValueKind.Number, deployment.Body["spec"]!["replicas"]!.GetValueKind());
        Assert.Equal(1, deployment.Body["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("hello", resources[0].Body["data"]!["greeting"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_ReleaseWithHooks_LeavesHooksOut()
    {
        var release = ExplainFixtures.ReadRelease("release-deployed-with-hooks.json");
        var hook = release["hooks"]![0]!["manifest"]!.GetValue<string>();
        var manifestWithHookInside = release["manifest"]!.GetValue<string>() + "---\n# Source: demohook/templates/hook.yaml\n" + hook;

        var resources = ManifestParser.Parse(manifestWithHookInside, "team-b");

        Assert.Equal(["example-cfg", "example-web"], resources.Select(resource => resource.Name));
    }

    [Fact]
    public void Parse_EmptyAndCommentOnlyDocuments_AreSkipped()
    {
        const string manifest = "---\n# Source: chart/templates/empty.yaml\n---\n\n---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only\n---\n";

        var resources = ManifestParser.Parse(manifest, "ns");

        Assert.Equal("only", Assert.Single(resources).Name);
    }

    [Theory]
    [InlineData("ConfigMap", "namespace: other", "other")]
    [InlineData("ConfigMap", "", "release-ns")]
    [InlineData("ClusterRole", "", null)]
    public void Parse_Namespace_IsTheManifestsOrTheReleaseNamespaceForNamespacedKinds(string kind, string namespaceLine, string? expected)
    {
        var manifest = $"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n  {namespaceLine}\n";

        var resource = Assert.Single(ManifestParser.Parse(manifest, "release-ns"));

        Assert.Equal(expected, resource.Namespace);
    }

    /// <summary>Each YAML scalar with the value Kubernetes reads from it: a number, a string, a boolean or null.</summary>
    [Theory]
    [InlineData("3", 3)]
    [InlineData("\"3\"", "3")]
    [InlineData("'3'", "3")]
    [InlineData("-7", -7)]
    [InlineData("0x1F", 31)]
    [InlineData("1.5", 1.5)]
    [InlineData("true", true)]
    [InlineData("\"true\"", "true")]
    [InlineData("on", true)]
    [InlineData("no", false)]
    [InlineData("null", null)]
    [InlineData("~", null)]
    [InlineData("!!str 42", "42")]
    [InlineData("500m", "500m")]
    [InlineData("1.25", 1.25)]
    [InlineData("nginx:1.25", "nginx:1.25")]
    [InlineData("0644", 420)]
    [InlineData("\"0644\"", "0644")]
    [InlineData("0.10", 0.1)]
    public void Parse_Scalar_IsTypedAsKubernetesReadsIt(string yaml, object? expected)
    {
        var manifest = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nvalue: {yaml}\n";

        var resource = Assert.Single(ManifestParser.Parse(manifest, "ns"));

        Assert.Equal(JsonSerializer.Serialize(expected), resource.Body["value"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Parse_BlockScalar_StaysAString()
    {
        const string manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  script: |\n    42\n";

        var resource = Assert.Single(ManifestParser.Parse(manifest, "ns"));

        Assert.Equal("42\n", resource.Body["data"]!["script"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_InvalidYaml_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => ManifestParser.Parse("kind: [unclosed\n", "ns"));
    }

    [Fact]
    public void Parse_ObjectWithoutName_IsSkipped()
    {
        const string manifest = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: run-\n";

        Assert.Empty(ManifestParser.Parse(manifest, "ns"));
    }

    [Fact]
    public void Parse_Body_KeepsNestedListsAndObjects()
    {
        const string manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      args: [\"--x\", 2]\n";

        var body = Assert.Single(ManifestParser.Parse(manifest, "ns")).Body;

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"name":"a","args":["--x",2]}]"""), body["spec"]!["containers"]));
    }
}
