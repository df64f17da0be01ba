namespace HelmUnstick.Core.Tests.Explain;

public sealed class LiveStateComparerTests
{
    private static readonly ExplainFixtures.StuckUpgradeStore Store = ExplainFixtures.StuckUpgrade();

    private static ResourceDiff StoreResource(string kind) =>
        RevisionDiffCalculator.Compute(Store.Revision(4), Store.Revision(3), ExplainFixtures.Namespace)
            .Resources.Single(resource => resource.Key.Kind == kind);

    private static JsonObject LiveDeployment() => Store.Object("apps/v1", ExplainFixtures.Namespace, "deployments", "demo-web");

    [Theory]
    [InlineData(3, LiveState.MatchesStuck)]
    [InlineData(1, LiveState.MatchesPrevious)]
    [InlineData(2, LiveState.Neither)]
    public void Compare_LiveDeploymentReplicas_TellsWhichRevisionRuns(int liveReplicas, LiveState expected)
    {
        var live = LiveDeployment();
        live["spec"]!["replicas"] = liveReplicas;

        var comparison = LiveStateComparer.Compare(StoreResource("Deployment"), live);

        Assert.Equal(expected, comparison.State);
    }

    [Fact]
    public void Compare_LiveMatchingNeither_ListsTheDifferingFieldAgainstEachRevision()
    {
        var live = LiveDeployment();
        live["spec"]!["replicas"] = 2;

        var comparison = LiveStateComparer.Compare(StoreResource("Deployment"), live);

        var stuck = Assert.Single(comparison.StuckMismatches);
        var previous = Assert.Single(comparison.PreviousMismatches);
        Assert.Equal(("spec.replicas", "3", "2"), (stuck.Path, stuck.Expected!.ToJsonString(), stuck.Live!.ToJsonString()));
        Assert.Equal(("spec.replicas", "1", "2"), (previous.Path, previous.Expected!.ToJsonString(), previous.Live!.ToJsonString()));
    }

    [Fact]
    public void Compare_NoLiveObject_IsMissing()
    {
        Assert.Equal(LiveState.Missing, LiveStateComparer.Compare(StoreResource("Deployment"), null).State);
    }

    [Fact]
    public void Compare_UnchangedConfigMapFromTheStore_MatchesBoth()
    {
        var live = Store.Object("v1", ExplainFixtures.Namespace, "configmaps", "demo-cfg");

        Assert.Equal(LiveState.MatchesBoth, LiveStateComparer.Compare(StoreResource("ConfigMap"), live).State);
    }

    [Fact]
    public void Compare_FieldsTheServerAdds_AreIgnored()
    {
        var live = LiveDeployment();
        live["status"] = JsonNode.Parse("""{"replicas":3,"readyReplicas":3,"observedGeneration":4}""");
        var metadata = live["metadata"]!.AsObject();
        metadata["managedFields"] = JsonNode.Parse("""[{"manager":"helm","operation":"Update"}]""");
        metadata["annotations"]!["deployment.kubernetes.io/revision"] = "4";
        var spec = live["spec"]!.AsObject();
        spec["strategy"] = JsonNode.Parse("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}""");
        spec["progressDeadlineSeconds"] = 600;
        var container = spec["template"]!["spec"]!["containers"]![0]!.AsObject();
        container["imagePullPolicy"] = "IfNotPresent";
        container["terminationMessagePath"] = "/dev/termination-log";

        Assert.Equal(LiveState.MatchesStuck, LiveStateComparer.Compare(StoreResource("Deployment"), live).State);
    }

    [Theory]
    [InlineData("{cpu: 1}", """{"cpu":"1"}""", true)]
    [InlineData("{cpu: 500m}", """{"cpu":"500m"}""", true)]
    [InlineData("{memory: 1024}", """{"memory":"1024"}""", true)]
    [InlineData("{cpu: \"2\"}", """{"cpu":2}""", false)]
    [InlineData("{cpu: 1}", """{"cpu":"2"}""", false)]
    [InlineData("{}", """null""", true)]
    [InlineData("{}", """{}""", true)]
    [InlineData("null", """{"cpu":"1"}""", true)]
    public void Compare_Scalars_AreEqualOnlyWhereKubernetesWouldServeThemSo(string manifestLimits, string liveLimits, bool matches)
    {
        var manifest = $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  limits: {manifestLimits}\n";
        var resource = Assert.Single(ManifestParser.Parse(manifest, "ns")).Body;
        var live = JsonNode.Parse("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}""")!.AsObject();
        live["spec"]!["limits"] = JsonNode.Parse(liveLimits);

        Assert.Equal(matches, LiveStateComparer.Mismatches(resource, live).Count == 0);
    }

    [Theory]
    [InlineData("""[{"name":"b","image":"img-b"},{"name":"a","image":"img-a"}]""", new string[0])]
    [InlineData("""[{"name":"a","image":"img-a"},{"name":"b","image":"img-c"}]""", new[] { "spec.containers[name=b].image" })]
    [InlineData("""[{"name":"a","image":"img-a"}]""", new[] { "spec.containers[name=b]" })]
    [InlineData("""[{"name":"a","image":"img-a"},{"name":"b","image":"img-b"},{"name":"c","image":"img-d"}]""", new[] { "spec.containers[name=c]" })]
    [InlineData("""[{"image":"img-a"},{"image":"img-b"}]""", new[] { "spec.containers[0].name", "spec.containers[1].name" })]
    public void Compare_NamedLists_AreMatchedByNameAndMustHoldTheSameItems(string liveContainers, string[] expectedPaths)
    {
        const string manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: img-a\n    - name: b\n      image: img-b\n";
        var resource = Assert.Single(ManifestParser.Parse(manifest, "ns")).Body;
        var live = JsonNode.Parse("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}""")!.AsObject();
        live["spec"]!["containers"] = JsonNode.Parse(liveContainers);

        Assert.Equal(expectedPaths, LiveStateComparer.Mismatches(resource, live).Select(mismatch => mismatch.Path));
    }

    [Fact]
    public void Compare_PlainLists_AreMatchedByPosition()
    {
        const string manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nargs: [\"--a\", \"--b\"]\n";
        var resource = Assert.Single(ManifestParser.Parse(manifest, "ns")).Body;
        var live = JsonNode.Parse("""{"metadata":{"name":"p"},"apiVersion":"v1","kind":"Pod","args":["--b","--a"]}""")!.AsObject();

        Assert.Equal(["args[0]", "args[1]"], LiveStateComparer.Mismatches(resource, live).Select(mismatch => mismatch.Path));
    }

    [Fact]
    public void Compare_ResourceOnlyInTheStuckRevision_CanMatchOnlyTheStuckRevision()
    {
        var stuck = Store.Revision(4).WithManifest(manifest => manifest.Replace("name: demo-cfg\n  labels", "name: demo-new\n  labels"));
        var added = RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace)
            .Resources.Single(resource => resource.Change == ResourceChange.Added);
        var live = Store.Object("v1", ExplainFixtures.Namespace, "configmaps", "demo-cfg");
        live["metadata"]!["name"] = "demo-new";

        var comparison = LiveStateComparer.Compare(added, live);

        Assert.Equal(LiveState.MatchesStuck, comparison.State);
        Assert.Empty(comparison.PreviousMismatches);
    }
}
