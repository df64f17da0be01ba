namespace HelmUnstick.Core.Tests.Liveness;

public sealed class PendingObjectTests
{
    [Fact]
    public void Of_ListsTheManifestThenTheHooks_FromARealPayload()
    {
        var release = Decode(Fixtures.Json("helm3.18/release-deployed-with-hooks.json").AsObject());

        var objects = PendingObject.Of(release);

        Assert.Equal(
        [
            new PendingObject("ConfigMap", "v1", "team-b", "example-cfg", null, PendingObjectRole.Manifest),
            new PendingObject("Deployment", "apps/v1", "team-b", "example-web", null, PendingObjectRole.Manifest),
            new PendingObject("ConfigMap", "v1", "team-b", "example-preinstall-marker", null, PendingObjectRole.Hook),
        ], objects);
    }

    [Fact]
    public void Of_KeepsAGenerateNameHook_AndFindsWhatItCreatedByPrefixAndCreationTime()
    {
        var json = Fixtures.Json("helm3.18/release-deployed-with-hooks.json").AsObject();
        json["hooks"]![0]!["manifest"] = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: example-migrate-\n  annotations:\n    helm.sh/hook: pre-upgrade\n";
        var release = Decode(json);

        var hook = PendingObject.Of(release).Single(o => o.Role == PendingObjectRole.Hook);
        var created = hook.CreatedBy(
        [
            Live("example-migrate-old12", "2026-11-23T22:00:00Z"),
            Live("example-migrate-ab3cd", "2026-11-23T23:50:30Z"),
            Live("other-migrate-zz9zz", "2026-11-23T23:51:00Z"),
        ], release.LastDeployed);

        Assert.Equal(new ResourceKey("Job", "team-b", "example-migrate-*"), hook.Key);
        Assert.Equal(["example-migrate-ab3cd"], created.Select(c => (string)c["metadata"]!["name"]!));
    }

    private static JsonObject Live(string name, string created) =>
        new() { ["metadata"] = new JsonObject { ["name"] = name, ["creationTimestamp"] = created } };

    private static HelmRelease Decode(JsonObject json) =>
        ReleaseCodec.Decode(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))));
}
