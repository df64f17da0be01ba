namespace HelmUnstick.Sandbox.Tests;

/// <summary>
/// Lists are written from each stored object's encoding, made once per object. A change stores a new object, so
/// the next list must serve the change, in the full form and in the metadata-only form alike.
/// </summary>
public sealed class ListAfterChangeTests
{
    private const string MetadataOnly = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

    [Fact]
    public async Task AListAfterAChange_ServesTheChangedObject_InEveryForm()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("team-a", "sh.helm.release.v1.demo.v3", new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "demo", ["status"] = "pending-upgrade" });
        var before = await BothFormsAsync(sandbox);

        var patch = new HttpRequestMessage(HttpMethod.Patch, "api/v1/namespaces/team-a/secrets/sh.helm.release.v1.demo.v3")
        {
            Content = new StringContent("""{"metadata":{"labels":{"status":"failed"}}}""", Encoding.UTF8, "application/merge-patch+json"),
        };
        var patched = JsonNode.Parse(await (await sandbox.Http.SendAsync(patch)).EnsureSuccessStatusCode().Content.ReadAsStringAsync())!;
        var after = await BothFormsAsync(sandbox);

        Assert.Equal(["pending-upgrade", "pending-upgrade"], before.Select(item => item["labels"]!["status"]!.GetValue<string>()));
        var expected = patched["metadata"]!.ToJsonString();
        Assert.Equal([expected, expected], after.Select(item => item.ToJsonString()));
    }

    /// <summary>The one listed object's metadata: from the typed list, then from the metadata-only list.</summary>
    private static async Task<JsonNode[]> BothFormsAsync(RunningSandbox sandbox)
    {
        var forms = new List<JsonNode>();
        foreach (var accept in new[] { "application/json", MetadataOnly })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/secrets?labelSelector=owner%3Dhelm");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            var list = JsonNode.Parse(await (await sandbox.Http.SendAsync(request)).Content.ReadAsStringAsync())!;
            forms.Add(list["items"]!.AsArray().Single()!["metadata"]!);
        }

        return [.. forms];
    }
}
