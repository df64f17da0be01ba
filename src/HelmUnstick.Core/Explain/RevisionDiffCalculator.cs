using System.Globalization;
using System.Text.Json.Nodes;
using JsonDiffPatchDotNet;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace HelmUnstick.Core.Explain;

/// <summary>Computes a <see cref="RevisionDiff"/> with JsonDiffPatch.Net, reporting changes as readable field paths.</summary>
public static class RevisionDiffCalculator
{
    // Fields the API server owns; a manifest that sets them does not change what runs.
    private static readonly string[] ServerOwnedMetadata =
        ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"];

    private static readonly JsonDiffPatch Differ = new(new Options
    {
        // Efficient: items of lists that are not merged by name are matched by value, so an inserted argument is
        // reported once instead of shifting every following position.
        ArrayDiff = ArrayDiffMode.Efficient,
        // Simple: a changed string is reported whole, never as a text patch.
        TextDiff = TextDiffMode.Simple,
    });

    public static RevisionDiff Compute(RevisionSnapshot stuck, RevisionSnapshot previous, string releaseNamespace)
    {
        var chart = new ChartChange(
            previous.ChartName, previous.ChartVersion, previous.AppVersion,
            stuck.ChartName, stuck.ChartVersion, stuck.AppVersion);
        var values = Diff(previous.Values ?? new JsonObject(), stuck.Values ?? new JsonObject());

        var previousResources = Unique(ManifestParser.Parse(previous.Manifest, releaseNamespace));
        var stuckResources = Unique(ManifestParser.Parse(stuck.Manifest, releaseNamespace));
        var previousByKey = previousResources.ToDictionary(resource => resource.Key);
        var stuckByKey = stuckResources.ToDictionary(resource => resource.Key);

        var resources = new List<ResourceDiff>();
        foreach (var resource in previousResources)
        {
            if (stuckByKey.TryGetValue(resource.Key, out var stuckResource))
            {
                var fields = Diff(WithoutServerOwnedFields(resource.Body), WithoutServerOwnedFields(stuckResource.Body));
                var change = fields.Count == 0 ? ResourceChange.Unchanged : ResourceChange.Changed;
                resources.Add(new ResourceDiff(resource.Key, change, resource, stuckResource, fields));
            }
            else
            {
                resources.Add(new ResourceDiff(resource.Key, ResourceChange.Removed, resource, null, []));
            }
        }

        resources.AddRange(stuckResources
            .Where(resource => !previousByKey.ContainsKey(resource.Key))
            .Select(resource => new ResourceDiff(resource.Key, ResourceChange.Added, null, resource, [])));

        return new RevisionDiff(stuck, previous, chart, values, resources);
    }

    /// <summary>A manifest that renders one object twice is applied in order, so the later document wins.</summary>
    private static List<ManifestResource> Unique(IReadOnlyList<ManifestResource> resources) =>
        resources.GroupBy(resource => resource.Key).Select(group => group.Last()).ToList();

    /// <summary>The fields of the manifest that describe what should run, without those the server owns.</summary>
    internal static JsonObject WithoutServerOwnedFields(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var field in ServerOwnedMetadata)
            {
                metadata.Remove(field);
            }
        }

        return copy;
    }

    private static List<FieldChange> Diff(JsonNode previous, JsonNode stuck)
    {
        var left = ToDiffable(previous);
        var right = ToDiffable(stuck);
        var changes = new List<FieldChange>();
        if (Differ.Diff(left, right) is JObject delta)
        {
            Walk(delta, left, right, "", changes);
        }

        return changes;
    }

    private static JToken ToDiffable(JsonNode node)
    {
        // DateParseHandling.None: a timestamp string must stay the exact string the manifest holds.
        using var reader = new JsonTextReader(new StringReader(KeyNamedLists(node)?.ToJsonString() ?? "null"))
        {
            DateParseHandling = DateParseHandling.None,
        };
        return JToken.ReadFrom(reader);
    }

    private static JsonNode? KeyNamedLists(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair =>
            new KeyValuePair<string, JsonNode?>(pair.Key, KeyNamedLists(pair.Value)))),
        JsonArray list when NamedList.TryGetNames(list, out var names) => new JsonObject(list.Select((item, index) =>
            new KeyValuePair<string, JsonNode?>(NamedItemKey.For(names[index]), KeyNamedLists(item)))),
        JsonArray list => new JsonArray(list.Select(KeyNamedLists).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>
    /// Reads the jsondiffpatch delta format: <c>[new]</c> added, <c>[old, new]</c> changed, <c>[old, 0, 0]</c>
    /// removed, an object for nested changes. A list delta is an object with <c>"_t": "a"</c> whose keys are new
    /// indexes (added or nested) or <c>_</c>-prefixed old indexes (removed, or <c>["", new, 3]</c> moved).
    /// </summary>
    private static void Walk(JObject delta, JToken? left, JToken? right, string path, List<FieldChange> changes)
    {
        if (delta["_t"]?.Value<string>() == "a")
        {
            WalkList(delta, left as JArray, right as JArray, path, changes);
            return;
        }

        foreach (var property in delta.Properties())
        {
            var childPath = FieldPath.Property(path, property.Name);
            if (property.Value is JObject nested)
            {
                Walk(nested, left?[property.Name], right?[property.Name], childPath, changes);
            }
            else if (Leaf((JArray)property.Value, childPath) is { } change)
            {
                changes.Add(change);
            }
        }
    }

    private static void WalkList(JObject delta, JArray? left, JArray? right, string path, List<FieldChange> changes)
    {
        var removed = new Dictionary<int, FieldChange>();
        var added = new Dictionary<int, FieldChange>();
        foreach (var property in delta.Properties().Where(property => property.Name != "_t"))
        {
            var isOldIndex = property.Name.StartsWith('_');
            var index = int.Parse(property.Name.TrimStart('_'), CultureInfo.InvariantCulture);
            var itemPath = FieldPath.Index(path, index);
            switch (property.Value)
            {
                case JObject nested:
                    Walk(nested, left?.ElementAtOrDefault(index), right?.ElementAtOrDefault(index), itemPath, changes);
                    break;
                case JArray { Count: 3 } move when move[2]!.Value<int>() == 3:
                    var to = move[1]!.Value<int>();
                    changes.Add(new FieldChange(FieldPath.Index(path, to), FieldChangeKind.Changed,
                        ToNode(left?.ElementAtOrDefault(index)), ToNode(right?.ElementAtOrDefault(to))));
                    break;
                case JArray leaf when Leaf(leaf, itemPath) is { } change:
                    (isOldIndex ? removed : added)[index] = change;
                    break;
            }
        }

        // A list of plain values shows an item replaced in place as removed and added at the same index.
        foreach (var (index, removal) in removed.OrderBy(pair => pair.Key))
        {
            changes.Add(added.Remove(index, out var addition)
                ? new FieldChange(removal.Path, FieldChangeKind.Changed, removal.Previous, addition.Stuck)
                : removal);
        }

        changes.AddRange(added.OrderBy(pair => pair.Key).Select(pair => pair.Value));
    }

    private static FieldChange? Leaf(JArray delta, string path) => delta.Count switch
    {
        1 => new FieldChange(path, FieldChangeKind.Added, null, ToNode(delta[0])),
        2 => new FieldChange(path, FieldChangeKind.Changed, ToNode(delta[0]), ToNode(delta[1])),
        3 => new FieldChange(path, FieldChangeKind.Removed, ToNode(delta[0]), null),
        _ => null,
    };

    private static JsonNode? ToNode(JToken? token) =>
        token is null ? null : UnkeyNamedLists(JsonNode.Parse(token.ToString(Formatting.None)));

    private static JsonNode? UnkeyNamedLists(JsonNode? node) => node switch
    {
        JsonObject obj when obj.Count > 0 && obj.All(pair => NamedItemKey.TryParse(pair.Key, out _)) =>
            new JsonArray(obj.Select(pair => UnkeyNamedLists(pair.Value)).ToArray()),
        JsonObject obj => new JsonObject(obj.Select(pair =>
            new KeyValuePair<string, JsonNode?>(pair.Key, UnkeyNamedLists(pair.Value)))),
        JsonArray list => new JsonArray(list.Select(UnkeyNamedLists).ToArray()),
        _ => node?.DeepClone(),
    };
}
