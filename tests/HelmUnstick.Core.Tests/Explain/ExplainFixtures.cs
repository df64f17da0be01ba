namespace HelmUnstick.Core.Tests.Explain;

/// <summary>Real Helm data from ../shared/fixtures, read as plain snapshots and live objects.</summary>
internal static class ExplainFixtures
{
    public const string Namespace = "team-a";

    public static string PathTo(params string[] parts) => Fixtures.PathOf(Path.Combine(parts));

    public static JsonObject ReadRelease(string fileName) =>
        JsonNode.Parse(File.ReadAllText(PathTo("helm3.18", fileName)))!.AsObject();

    public static RevisionSnapshot Snapshot(JsonObject release)
    {
        var metadata = release["chart"]!["metadata"]!;
        return new RevisionSnapshot(
            release["version"]!.GetValue<int>(),
            metadata["name"]!.GetValue<string>(),
            metadata["version"]!.GetValue<string>(),
            metadata["appVersion"]?.GetValue<string>(),
            release["config"]?.DeepClone().AsObject(),
            release["manifest"]!.GetValue<string>());
    }

    /// <summary>The store with release demo: revision 4 stuck in pending-upgrade over deployed revision 3.</summary>
    public static StuckUpgradeStore StuckUpgrade() => new(
        JsonNode.Parse(File.ReadAllText(PathTo("helm3.18", "cluster-with-stuck-upgrade.json")))!.AsArray());

    internal sealed class StuckUpgradeStore(JsonArray entries)
    {
        public RevisionSnapshot Revision(int revision) => Snapshot(Release("demo", revision));

        public JsonObject Release(string name, int revision)
        {
            var secret = Object("v1", Namespace, "secrets", $"sh.helm.release.v1.{name}.v{revision}");
            return DecodeRelease(secret["data"]!["release"]!.GetValue<string>());
        }

        public JsonObject Object(string groupVersion, string ns, string resource, string name) =>
            entries
                .Select(entry => entry!.AsObject())
                .Single(entry => entry["key"]!.AsArray().Select(part => part!.GetValue<string>())
                    .SequenceEqual([groupVersion, ns, resource, name]))["obj"]!
                .DeepClone().AsObject();

        /// <summary>The live ConfigMap and Deployment of release demo, keyed as the explainer expects.</summary>
        public Dictionary<ResourceKey, JsonObject> LiveObjects() => new()
        {
            [new ResourceKey("ConfigMap", Namespace, "demo-cfg")] = Object("v1", Namespace, "configmaps", "demo-cfg"),
            [new ResourceKey("Deployment", Namespace, "demo-web")] = Object("apps/v1", Namespace, "deployments", "demo-web"),
        };
    }

    private static JsonObject DecodeRelease(string data) => ReleaseCodec.DecodeApiJsonValue(data).ToJsonObject();

    public static RevisionSnapshot WithManifest(this RevisionSnapshot snapshot, Func<string, string> edit) =>
        snapshot with { Manifest = edit(snapshot.Manifest) };
}
