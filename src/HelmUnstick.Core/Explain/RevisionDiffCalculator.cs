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
        // Simple: lists that are not merged by name are compared position by position, giving paths like args[2].
        ArrayDiff = ArrayDiffMode.Simple,
        // Simple: a changed string is reported whole, never as a text patch.
        TextDiff = TextDiffMode.Simple,
    });

    public static RevisionDiff Compute(RevisionSnapshot stuck, RevisionSnapshot previous, string releaseNamespace)
    {
        var chart = new ChartChange(
            previous.ChartName, previous.ChartVersion, previous.AppVersion,
            stuck.ChartName, stuck.ChartVersion, stuck.AppVersion);
        var values = Diff(previous.Values ?? new JsonObject(), stuck.Values ?? new JsonObject());

        var previousResources = ManifestParser.Parse(previous.Manifest, releaseNamespace);
        var stuckResources = ManifestParser.Parse(stuck.Manifest, releaseNamespace);
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
            Walk(delta, "", changes);
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
    /// removed, an object for nested changes, and for lists an object with <c>"_t": "a"</c> whose keys are new
    /// indexes (added or nested) or <c>_</c>-prefixed old indexes (removed).
    /// </summary>
    private static void Walk(JObject delta, string path, List<FieldChange> changes)
    {
        var isList = delta["_t"]?.Value<string>() == "a";
        foreach (var property in delta.Properties())
        {
            if (isList && property.Name == "_t")
            {
                continue;
            }

            var childPath = isList ? ListItemPath(path, property.Name) : FieldPath.Property(path, property.Name);
            switch (property.Value)
            {
                case JObject nested:
                    Walk(nested, childPath, changes);
                    break;
                case JArray { Count: 1 } added:
                    changes.Add(new FieldChange(childPath, FieldChangeKind.Added, null, ToNode(added[0])));
                    break;
                case JArray { Count: 2 } changed:
                    changes.Add(new FieldChange(childPath, FieldChangeKind.Changed, ToNode(changed[0]), ToNode(changed[1])));
                    break;
                case JArray { Count: 3 } removed:
                    changes.Add(new FieldChange(childPath, FieldChangeKind.Removed, ToNode(removed[0]), null));
                    break;
            }
        }
    }

    private static string ListItemPath(string path, string key) =>
        FieldPath.Index(path, int.Parse(key.TrimStart('_'), System.Globalization.CultureInfo.InvariantCulture));

    private static JsonNode? ToNode(JToken token) =>
        UnkeyNamedLists(JsonNode.Parse(token.ToString(Formatting.None)));

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
