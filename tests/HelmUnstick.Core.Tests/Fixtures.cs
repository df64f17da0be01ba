namespace HelmUnstick.Core.Tests;

/// <summary>The real Helm data in ../shared/fixtures, next to the repository.</summary>
internal static class Fixtures
{
    public static string Root => RepositoryPaths.Root;

    public static string PathOf(string relative) => Path.Combine(Root, "..", "shared", "fixtures", relative);

    public static JsonNode Json(string relative) => JsonNode.Parse(File.ReadAllText(PathOf(relative)))!;

    /// <summary>The release Secrets of a store file as the tool reads them from the API.</summary>
    public static IReadOnlyList<StoredRevision> StoreRevisions(string relative) =>
        Json(relative).AsArray()
            .Select(e => e!)
            .Where(e => (string?)e["key"]![2] == "secrets")
            .Select(e => ToStoredRevision(e["obj"]!.AsObject()))
            .ToList();

    public static StoredRevision ToStoredRevision(JsonObject secret)
    {
        var meta = secret["metadata"]!.AsObject();
        var labels = (meta["labels"] as JsonObject ?? [])
            .ToDictionary(p => p.Key, p => (string)p.Value!);
        return new StoredRevision(
            (string)meta["name"]!,
            (string)meta["namespace"]!,
            (string?)meta["uid"],
            (string?)meta["resourceVersion"],
            labels,
            ReleaseCodec.DecodeApiJsonValue((string)secret["data"]!["release"]!));
    }
}
