using System.Text.Json.Nodes;
using HelmUnstick.Core.Explain;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Liveness;

/// <summary>
/// An object the pending revision makes Helm touch: a resource of its manifest or a hook. A hook may have only a
/// <see cref="GenerateName"/>, in which case the live objects are found by that prefix and their creation time.
/// </summary>
public sealed record PendingObject(string Kind, string ApiVersion, string? Namespace, string? Name, string? GenerateName, PendingObjectRole Role)
{
    /// <summary>The key to report it under: its name, or its generateName prefix followed by <c>*</c>.</summary>
    public ResourceKey Key => new(Kind, Namespace, Name ?? $"{GenerateName}*");

    public ResourceKey KeyOf(string liveName) => new(Kind, Namespace, liveName);

    /// <summary>The manifest's resources, then the hooks, of a pending revision.</summary>
    public static IReadOnlyList<PendingObject> Of(HelmRelease release)
    {
        var objects = ManifestParser.Parse(release.Manifest, release.Namespace)
            .Select(r => new PendingObject(r.Kind, r.ApiVersion, r.Namespace, r.Name, null, PendingObjectRole.Manifest))
            .ToList();
        foreach (var hook in release.Hooks)
        {
            foreach (var body in ManifestParser.ParseDocuments(hook.Manifest))
            {
                if (body["metadata"] is not JsonObject metadata || Text(body["kind"]) is not { } kind)
                {
                    continue;
                }

                var name = Text(metadata["name"]);
                var generateName = Text(metadata["generateName"]);
                if (name is null && generateName is null)
                {
                    continue;
                }

                objects.Add(new PendingObject(kind, Text(body["apiVersion"]) ?? "", ManifestParser.NamespaceOf(kind, metadata, release.Namespace),
                    name, name is null ? generateName : null, PendingObjectRole.Hook));
            }
        }

        return objects;
    }

    /// <summary>
    /// The live objects a generateName hook of the pending revision created: names with its prefix, created no
    /// earlier than <paramref name="lastDeployed"/> less one minute (the helm client's clock and the apiserver's may differ).
    /// </summary>
    public IReadOnlyList<JsonObject> CreatedBy(IEnumerable<JsonObject> candidates, DateTimeOffset? lastDeployed) =>
        candidates.Where(c => Text(c["metadata"]?["name"]) is { } n && n.StartsWith(GenerateName ?? "", StringComparison.Ordinal)
                              && (lastDeployed is not { } since
                                  || LivenessRule.ParseTime(c["metadata"]?["creationTimestamp"]) is not { } created
                                  || created >= since - TimeSpan.FromMinutes(1)))
            .ToList();

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
