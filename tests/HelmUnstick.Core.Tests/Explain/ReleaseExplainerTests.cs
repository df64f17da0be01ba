namespace HelmUnstick.Core.Tests.Explain;

public sealed class ReleaseExplainerTests
{
    private static readonly ExplainFixtures.StuckUpgradeStore Store = ExplainFixtures.StuckUpgrade();
    private static readonly ResourceKey Deployment = new("Deployment", ExplainFixtures.Namespace, "demo-web");
    private static readonly ResourceKey ConfigMap = new("ConfigMap", ExplainFixtures.Namespace, "demo-cfg");

    /// <summary>Revision 4 as stored, plus a greeting change so that two resources differ from revision 3.</summary>
    private static RevisionSnapshot StuckWithGreetingChange() =>
        Store.Revision(4).WithManifest(manifest => manifest.Replace("greeting: \"hello\"", "greeting: \"hola\""));

    private static ReleaseExplanation Explain(
        RevisionSnapshot stuck, Dictionary<ResourceKey, JsonObject> live, bool showValues = false, RevisionSnapshot? previous = null) =>
        ReleaseExplainer.Explain(
            RevisionDiffCalculator.Compute(stuck, previous ?? Store.Revision(3), ExplainFixtures.Namespace), live, showValues);

    private static Dictionary<ResourceKey, JsonObject> Live(int replicas, string greeting)
    {
        var live = Store.LiveObjects();
        live[Deployment]["spec"]!["replicas"] = replicas;
        live[ConfigMap]["data"]!["greeting"] = greeting;
        return live;
    }

    [Theory]
    [InlineData("stuck after every object was applied", 3, "hola", "matches-stuck", "matches-stuck",
        "The cluster already runs revision 4's spec for all 2 changed resources; the next upgrade will show them as changes but apply nothing new to them.")]
    [InlineData("stuck before any object was applied", 1, "hello", "matches-previous", "matches-previous",
        "The cluster still runs revision 3 for all 2 changed resources: revision 4 was never applied, and the next upgrade will apply its changes.")]
    [InlineData("stuck after the ConfigMap was applied", 1, "hola", "matches-previous", "matches-stuck",
        "The cluster already runs revision 4's spec for 1 of 2 changed resources; the next upgrade will show it as a change but apply nothing new to it. 1 still runs revision 3's and will be changed.")]
    [InlineData("changed by hand afterwards", 5, "hola", "neither", "matches-stuck",
        "The cluster already runs revision 4's spec for 1 of 2 changed resources; the next upgrade will show it as a change but apply nothing new to it. 1 matches neither revision and will be overwritten.")]
    public void Explain_StuckUpgrade_SaysWhichRevisionTheClusterRuns(
        string situation, int liveReplicas, string liveGreeting, string deploymentLive, string configMapLive, string summary)
    {
        var explanation = Explain(StuckWithGreetingChange(), Live(liveReplicas, liveGreeting));

        Assert.True(summary == explanation.Summary, $"{situation}: {explanation.Summary}");
        var resources = explanation.ToJsonObject()["resources"]!.AsArray();
        Assert.Equal(
            [("Deployment", deploymentLive), ("ConfigMap", configMapLive)],
            resources.Select(resource => (resource!["kind"]!.GetValue<string>(), resource["live"]!.GetValue<string>()))
                .OrderBy(pair => pair.Item1 == "ConfigMap"));
    }

    [Theory]
    [InlineData(3, "Deployment demo-web: the live spec.replicas is revision 4's (the stuck one). The next `helm upgrade --dry-run` will show this as a change; applying it will change nothing on the cluster.")]
    [InlineData(1, "Deployment demo-web: the live spec.replicas is still revision 3's; revision 4 never reached it. The next upgrade will show and apply this change.")]
    [InlineData(2, "Deployment demo-web: the live object matches neither revision 4 (differs at spec.replicas) nor revision 3 (differs at spec.replicas); it was changed outside Helm or only partly updated. The next upgrade will overwrite those fields.")]
    public void Explain_ChangedDeployment_IsDescribedInPlainWords(int liveReplicas, string sentence)
    {
        var explanation = Explain(Store.Revision(4), Live(liveReplicas, "hello"));

        Assert.Equal(sentence, explanation.Resources.Single(resource => resource.Key == Deployment).Sentence);
    }

    [Fact]
    public void Explain_StoreAsCaptured_UnchangedConfigMapIsNotShownAsAChange()
    {
        var explanation = Explain(Store.Revision(4), Store.LiveObjects());

        var configMap = explanation.Resources.Single(resource => resource.Key == ConfigMap);
        Assert.Equal((ResourceChange.Unchanged, LiveState.MatchesBoth), (configMap.Change, configMap.Live));
        Assert.Equal(
            "The cluster already runs revision 4's spec for the 1 changed resource; the next upgrade will show it as a change but apply nothing new to it.",
            explanation.Summary);
    }

    [Fact]
    public void Explain_ResourcesAddedAndRemoved_AreClassifiedAgainstTheCluster()
    {
        const string extra = "---\n# Source: demo/templates/extra.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-extra\ndata:\n  a: \"1\"\n";
        var stuck = Store.Revision(4).WithManifest(manifest => manifest + extra);
        var previous = Store.Revision(3).WithManifest(manifest => manifest + extra.Replace("demo-extra", "demo-old"));
        var live = Store.LiveObjects();
        live[new ResourceKey("ConfigMap", ExplainFixtures.Namespace, "demo-extra")] =
            JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo-extra","namespace":"team-a","uid":"u"},"data":{"a":"1"}}""")!.AsObject();

        var explanation = Explain(stuck, live, previous: previous);

        var json = explanation.ToJsonObject()["resources"]!.AsArray();
        Assert.Equal(
            [("demo-cfg", "unchanged", "matches-both"), ("demo-web", "changed", "matches-stuck"),
             ("demo-old", "removed", "missing"), ("demo-extra", "added", "matches-stuck")],
            json.Select(resource => (resource!["name"]!.GetValue<string>(), resource["change"]!.GetValue<string>(), resource["live"]!.GetValue<string>())));
        Assert.Equal(
            "ConfigMap demo-old: removed by revision 4 and already deleted from the cluster. The next `helm upgrade --dry-run` will show it as removed; there is nothing left to delete.",
            explanation.Resources.Single(resource => resource.Key.Name == "demo-old").Sentence);
        Assert.Contains("for all 3 changed resources", explanation.Summary);
    }

    [Fact]
    public void Explain_AddedResourceNotCreatedYet_CountsAsNotApplied()
    {
        const string extra = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-extra\ndata:\n  a: \"1\"\n";
        var stuck = Store.Revision(3).WithManifest(manifest => manifest + extra) with { Revision = 4 };

        var explanation = Explain(stuck, Store.LiveObjects());

        var added = Assert.Single(explanation.Resources, resource => resource.Change == ResourceChange.Added);
        Assert.Equal(LiveState.Missing, added.Live);
        Assert.Equal("ConfigMap demo-extra: added by revision 4 and not created yet. The next upgrade will create it.", added.Sentence);
        Assert.StartsWith("The cluster still runs revision 3 for the 1 changed resource", explanation.Summary);
    }

    [Fact]
    public void Explain_HookInEitherManifest_IsNotReported()
    {
        var hook = ExplainFixtures.ReadRelease("release-deployed-with-hooks.json")["hooks"]![0]!["manifest"]!.GetValue<string>();
        var stuck = Store.Revision(4).WithManifest(manifest => manifest + "---\n" + hook);

        var explanation = Explain(stuck, Store.LiveObjects());

        Assert.Equal(["demo-cfg", "demo-web"], explanation.Resources.Select(resource => resource.Key.Name));
        Assert.DoesNotContain("example-preinstall-marker", explanation.ToJson());
    }

    [Fact]
    public void ToJson_FollowsTheExplainContract()
    {
        var json = JsonNode.Parse(Explain(Store.Revision(4), Store.LiveObjects()).ToJson())!.AsObject();

        Assert.Equal((4, 3), (json["stuckRevision"]!.GetValue<int>(), json["previousRevision"]!.GetValue<int>()));
        var deployment = json["resources"]!.AsArray().Single(resource => resource!["kind"]!.GetValue<string>() == "Deployment")!;
        Assert.Equal(("team-a", "demo-web", "changed", "matches-stuck"),
            (deployment["namespace"]!.GetValue<string>(), deployment["name"]!.GetValue<string>(),
             deployment["change"]!.GetValue<string>(), deployment["live"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"path":"spec.replicas","change":"changed","previous":1,"stuck":3}]"""), deployment["fields"]));
        Assert.StartsWith("Deployment demo-web:", deployment["sentence"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"path":"replicas","change":"added","stuck":"(hidden)"}]"""), json["values"]));
    }

    [Fact]
    public void ToJson_WithShowValues_RevealsUserValues()
    {
        var json = JsonNode.Parse(Explain(Store.Revision(4), Store.LiveObjects(), showValues: true).ToJson())!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"path":"replicas","change":"added","stuck":3}]"""), json["values"]));
    }

    private const string Password = "s3cr3t-Pa55w0rd";
    private const string OldPassword = "old-Pa55w0rd-1";

    /// <summary>A password in user values that the chart copies into a Secret (plain and base64) and into an environment variable.</summary>
    private static ReleaseExplanation ExplainWithPassword(bool showValues)
    {
        static RevisionSnapshot WithPassword(RevisionSnapshot snapshot, string password) =>
            snapshot.WithManifest(manifest => manifest
                .Replace("          env:\n", $"          env:\n            - name: DB_PASSWORD\n              value: {password}\n")
                + $"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: demo-db\nstringData:\n  password: {password}\n"
                + $"data:\n  password-b64: {Convert.ToBase64String(Encoding.UTF8.GetBytes(password))}\n")
            with { Values = new JsonObject { ["replicas"] = 3, ["db"] = new JsonObject { ["password"] = password } } };

        var live = Store.LiveObjects();
        live[new ResourceKey("Secret", ExplainFixtures.Namespace, "demo-db")] = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "demo-db" },
            ["stringData"] = new JsonObject { ["password"] = Password + "-typo" },
        };
        return Explain(WithPassword(Store.Revision(4), Password), live, showValues, WithPassword(Store.Revision(3), OldPassword));
    }

    private static string EverythingPrinted(ReleaseExplanation explanation) =>
        string.Join("\n", [explanation.ToJson(), explanation.Summary,
            .. explanation.Resources.Select(resource => resource.Sentence)]);

    [Theory]
    [InlineData(Password)]
    [InlineData(OldPassword)]
    public void Explain_PasswordInUserValues_IsNeverPrintedWithoutShowValues(string password)
    {
        var printed = EverythingPrinted(ExplainWithPassword(showValues: false));

        Assert.DoesNotContain(password, printed);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)), printed);
        Assert.Contains("db.password", printed);
        Assert.Contains("(hidden)", printed);
    }

    [Fact]
    public void Explain_PasswordInUserValues_IsPrintedWithShowValues()
    {
        var explanation = ExplainWithPassword(showValues: true);

        Assert.Contains(Password, explanation.ToJson());
        Assert.Contains(OldPassword, explanation.ToJson());
    }

    [Fact]
    public void Explain_WithShowValues_StillHidesSecretDataInTheDiffAndLive()
    {
        var explanation = ExplainWithPassword(showValues: true);

        var secret = explanation.Resources.Single(resource => resource.Key.Kind == "Secret");
        Assert.NotEmpty(secret.Fields);
        Assert.All(secret.Fields, field => Assert.Equal((true, "\"(hidden)\"", "\"(hidden)\""), (field.Hidden, field.Previous?.ToJsonString(), field.Stuck?.ToJsonString())));
        Assert.All(secret.LiveDifferences, difference => Assert.True(difference.Hidden, difference.Path));
        Assert.DoesNotContain(Password + "-typo", explanation.ToJson());
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)), explanation.ToJson());
    }

    [Fact]
    public void Explain_PasswordInUserValues_StillShowsUnrelatedManifestValues()
    {
        var explanation = ExplainWithPassword(showValues: false);

        var replicas = explanation.Resources.Single(resource => resource.Key == Deployment).Fields
            .Single(field => field.Path == "spec.replicas");
        Assert.Equal(("1", "3", false), (replicas.Previous!.ToJsonString(), replicas.Stuck!.ToJsonString(), replicas.Hidden));
    }
}
