namespace HelmUnstick.Core.Tests.Explain;

public sealed class RevisionDiffCalculatorTests
{
    private static readonly ExplainFixtures.StuckUpgradeStore Store = ExplainFixtures.StuckUpgrade();

    [Fact]
    public void Compute_StuckRevision4OverRevision3_ReportsTheReplicasChange()
    {
        var diff = RevisionDiffCalculator.Compute(Store.Revision(4), Store.Revision(3), ExplainFixtures.Namespace);

        Assert.Equal((4, 3), (diff.StuckRevision, diff.PreviousRevision));
        Assert.False(diff.Chart.IsChanged);
        var deployment = Assert.Single(diff.Resources, resource => resource.Key.Kind == "Deployment");
        Assert.Equal(ResourceChange.Changed, deployment.Change);
        var field = Assert.Single(deployment.Fields);
        Assert.Equal(("spec.replicas", FieldChangeKind.Changed, "1", "3"),
            (field.Path, field.Kind, field.Previous?.ToJsonString(), field.Stuck?.ToJsonString()));
        Assert.Equal(ResourceChange.Unchanged, Assert.Single(diff.Resources, resource => resource.Key.Kind == "ConfigMap").Change);
    }

    [Fact]
    public void Compute_StuckRevision4OverRevision3_ReportsTheAddedValue()
    {
        var diff = RevisionDiffCalculator.Compute(Store.Revision(4), Store.Revision(3), ExplainFixtures.Namespace);

        var value = Assert.Single(diff.Values);
        Assert.Equal(("replicas", FieldChangeKind.Added, null, "3"),
            (value.Path, value.Kind, value.Previous?.ToJsonString(), value.Stuck?.ToJsonString()));
    }

    [Theory]
    [InlineData("""{"global":{"image":{"tag":"1.0"}}}""", """{"global":{"image":{"tag":"1.1"}}}""", "global.image.tag", FieldChangeKind.Changed)]
    [InlineData("""{}""", """{"ingress":{"enabled":true}}""", "ingress", FieldChangeKind.Added)]
    [InlineData("""{"greeting":"hi","replicas":2}""", """{"replicas":2}""", "greeting", FieldChangeKind.Removed)]
    [InlineData("""{"podAnnotations":{"a.b/c":"1"}}""", """{"podAnnotations":{"a.b/c":"2"}}""", "podAnnotations[\"a.b/c\"]", FieldChangeKind.Changed)]
    [InlineData("""{"args":["--a","--b"]}""", """{"args":["--a","--c"]}""", "args[1]", FieldChangeKind.Changed)]
    [InlineData("""{"args":["--a","--c"]}""", """{"args":["--a","--b","--c"]}""", "args[1]", FieldChangeKind.Added)]
    [InlineData("""{"args":["--a","--b","--c"]}""", """{"args":["--a","--c"]}""", "args[1]", FieldChangeKind.Removed)]
    public void Compute_UserValues_ReportsEachChangedKeyPath(string previousValues, string stuckValues, string path, FieldChangeKind kind)
    {
        var previous = Store.Revision(3) with { Values = JsonNode.Parse(previousValues)!.AsObject() };
        var stuck = Store.Revision(3) with { Revision = 4, Values = JsonNode.Parse(stuckValues)!.AsObject() };

        var diff = RevisionDiffCalculator.Compute(stuck, previous, ExplainFixtures.Namespace);

        var change = Assert.Single(diff.Values);
        Assert.Equal((path, kind), (change.Path, change.Kind));
    }

    [Fact]
    public void Compute_ContainerImageChange_IsReportedAgainstTheContainerName()
    {
        var stuck = Store.Revision(4).WithManifest(manifest => manifest.Replace("image: nginx:1.25", "image: nginx:1.27"));

        var diff = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace);

        var deployment = Assert.Single(diff.Resources, resource => resource.Key.Kind == "Deployment");
        Assert.Equal(
            ["spec.replicas", "spec.template.spec.containers[name=web].image"],
            deployment.Fields.Select(field => field.Path).Order());
        var image = Assert.Single(deployment.Fields, field => field.Path.EndsWith(".image"));
        Assert.Equal(("\"nginx:1.25\"", "\"nginx:1.27\""), (image.Previous!.ToJsonString(), image.Stuck!.ToJsonString()));
    }

    [Fact]
    public void Compute_AddedEnvironmentVariable_IsReportedByNameWithItsWholeValue()
    {
        var stuck = Store.Revision(4).WithManifest(manifest => manifest.Replace(
            "          env:\n",
            "          env:\n            - name: MODE\n              value: fast\n"));

        var diff = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace);

        var added = Assert.Single(diff.Resources.Single(resource => resource.Key.Kind == "Deployment").Fields,
            field => field.Kind == FieldChangeKind.Added);
        Assert.Equal("spec.template.spec.containers[name=web].env[name=MODE]", added.Path);
        Assert.Equal("""{"name":"MODE","value":"fast"}""", added.Stuck!.ToJsonString());
    }

    [Fact]
    public void Compute_AddedContainerList_IsShownAsAList()
    {
        var previous = Store.Revision(3).WithManifest(manifest => manifest.Replace("    spec:\n      containers:", "    spec:\n      nothing:"));

        var diff = RevisionDiffCalculator.Compute(Store.Revision(4), previous, ExplainFixtures.Namespace);

        var added = Assert.Single(diff.Resources.Single(resource => resource.Key.Kind == "Deployment").Fields,
            field => field.Path == "spec.template.spec.containers");
        Assert.IsType<JsonArray>(added.Stuck);
    }

    [Fact]
    public void Compute_ResourceOnlyInTheStuckRevision_IsAdded_AndOnlyInThePreviousOne_IsRemoved()
    {
        const string extra = "---\n# Source: demo/templates/extra.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-extra\ndata:\n  a: \"1\"\n";
        var stuck = Store.Revision(4).WithManifest(manifest => manifest + extra);
        var previous = Store.Revision(3).WithManifest(manifest => manifest + extra.Replace("demo-extra", "demo-old"));

        var diff = RevisionDiffCalculator.Compute(stuck, previous, ExplainFixtures.Namespace);

        Assert.Equal(
            [("ConfigMap team-a/demo-cfg", ResourceChange.Unchanged), ("Deployment team-a/demo-web", ResourceChange.Changed),
             ("ConfigMap team-a/demo-old", ResourceChange.Removed), ("ConfigMap team-a/demo-extra", ResourceChange.Added)],
            diff.Resources.Select(resource => (resource.Key.ToString(), resource.Change)));
    }

    [Fact]
    public void Compute_HookDocumentInTheStuckManifest_IsNotAResource()
    {
        var hookRelease = ExplainFixtures.ReadRelease("release-deployed-with-hooks.json");
        var hook = hookRelease["hooks"]![0]!["manifest"]!.GetValue<string>();
        var stuck = Store.Revision(4).WithManifest(manifest => manifest + "---\n" + hook);

        var diff = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace);

        Assert.DoesNotContain(diff.Resources, resource => resource.Key.Name == "example-preinstall-marker");
    }

    [Fact]
    public void Compute_ChartVersionAndAppVersionChange_IsReported()
    {
        var stuck = Store.Revision(4) with { ChartVersion = "0.2.0", AppVersion = "1.1.0" };

        var diff = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace);

        Assert.True(diff.Chart.IsChanged);
        Assert.Equal(("0.1.0", "0.2.0", "1.0.0", "1.1.0"),
            (diff.Chart.PreviousVersion, diff.Chart.StuckVersion, diff.Chart.PreviousAppVersion, diff.Chart.StuckAppVersion));
    }

    [Fact]
    public void Compute_TimestampStrings_AreReportedVerbatim()
    {
        var hookRelease = ExplainFixtures.ReadRelease("release-deployed-with-hooks.json");
        var marker = "---\n" + hookRelease["hooks"]![0]!["manifest"]!.GetValue<string>().Replace("annotations:", "labels:");
        var previous = Store.Revision(3).WithManifest(manifest => manifest + marker);
        var stuck = Store.Revision(4).WithManifest(manifest => manifest + marker.Replace("23:50:11Z", "23:59:00Z"));

        var diff = RevisionDiffCalculator.Compute(stuck, previous, ExplainFixtures.Namespace);

        var field = Assert.Single(diff.Resources.Single(resource => resource.Key.Name == "example-preinstall-marker").Fields);
        Assert.Equal(("data.at", "\"2026-11-23T23:50:11Z\"", "\"2026-11-23T23:59:00Z\""),
            (field.Path, field.Previous!.ToJsonString(), field.Stuck!.ToJsonString()));
    }

    [Fact]
    public void Compute_ObjectRenderedTwice_IsComparedOnceWithTheLaterDocument()
    {
        var stuck = Store.Revision(4).WithManifest(manifest =>
            manifest + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-cfg\ndata:\n  greeting: \"hey\"\n");

        var diff = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace);

        var configMap = Assert.Single(diff.Resources, resource => resource.Key.Kind == "ConfigMap");
        Assert.Contains(configMap.Fields, field => field.Path == "data.greeting" && field.Stuck!.GetValue<string>() == "hey");
    }
}
