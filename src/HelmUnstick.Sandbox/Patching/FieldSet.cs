namespace HelmUnstick.Sandbox.Patching;

/// <summary>
/// A set of field paths in the structured-merge-diff form that <c>managedFields[].fieldsV1</c> serializes:
/// segments <c>f:&lt;field&gt;</c>, <c>k:&lt;merge key JSON&gt;</c> for keyed list items and <c>v:&lt;value JSON&gt;</c>
/// for set items. A path is its segments joined by NUL, which JSON field names of Kubernetes objects never hold.
/// </summary>
internal static class FieldSet
{
    private const char Separator = '\0';

    // Identity and bookkeeping fields the apiserver never attributes to a manager.
    private static readonly HashSet<string> UnownedMetadataFields = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    };

    public static string[] Segments(string path) => path.Split(Separator);

    public static bool IsListItem(string path) => Segments(path)[^1].StartsWith("k:", StringComparison.Ordinal);

    /// <summary>The leaves and keyed list items of an object, as owned by whoever wrote all of it.</summary>
    public static HashSet<string> Of(JsonObject obj, string kind)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" or "status" || value is null)
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (!UnownedMetadataFields.Contains(metaKey) && metaValue is not null)
                    {
                        AddNode(paths, "f:metadata" + Separator + "f:" + metaKey, metaKey, metaValue, kind);
                    }
                }

                continue;
            }

            AddNode(paths, "f:" + key, key, value, kind);
        }

        return paths;
    }

    private static void AddNode(HashSet<string> paths, string path, string field, JsonNode value, string kind)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, child) in obj)
                {
                    if (child is not null)
                    {
                        AddNode(paths, path + Separator + "f:" + key, key, child, kind);
                    }
                }
                break;
            case JsonArray array when array.Count > 0:
                var strategy = PatchSchema.ListStrategy(kind, field);
                if (strategy.Kind == ListMergeKind.MergeByKey && array.All(item => item is JsonObject o && o[strategy.MergeKey!] is not null))
                {
                    foreach (var item in array.Cast<JsonObject>())
                    {
                        string itemPath = path + Separator + KeySegment(strategy.MergeKey!, item[strategy.MergeKey!]!);
                        paths.Add(itemPath);
                        foreach (var (key, child) in item)
                        {
                            if (child is not null)
                            {
                                AddNode(paths, itemPath + Separator + "f:" + key, key, child, kind);
                            }
                        }
                    }
                }
                else if (strategy.Kind == ListMergeKind.PrimitiveSet)
                {
                    foreach (var item in array)
                    {
                        paths.Add(path + Separator + "v:" + (item?.ToJsonString() ?? "null"));
                    }
                }
                else
                {
                    paths.Add(path);
                }
                break;
            default:
                paths.Add(path);
                break;
        }
    }

    private static string KeySegment(string mergeKey, JsonNode keyValue) =>
        "k:" + new JsonObject { [mergeKey] = keyValue.DeepClone() }.ToJsonString();

    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (string path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (string segment in Segments(path))
            {
                if (node[segment] is not JsonObject child)
                {
                    child = [];
                    node[segment] = child;
                }

                node = child;
            }
        }

        // An owned list item that also has owned children says so with a "." member.
        MarkOwnedItems(root, paths.Where(IsListItem).ToHashSet(StringComparer.Ordinal), "");
        return root;
    }

    private static void MarkOwnedItems(JsonObject node, HashSet<string> itemPaths, string prefix)
    {
        foreach (var (segment, child) in node.ToList())
        {
            if (segment == "." || child is not JsonObject childObject)
            {
                continue;
            }

            string path = prefix.Length == 0 ? segment : prefix + Separator + segment;
            MarkOwnedItems(childObject, itemPaths, path);
            if (itemPaths.Contains(path) && childObject.Count > 0 && childObject["."] is null)
            {
                childObject.Insert(0, ".", new JsonObject());
            }
        }
    }

    public static HashSet<string> FromFieldsV1(JsonObject fieldsV1)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        Collect(fieldsV1, "", paths);
        return paths;
    }

    private static void Collect(JsonObject node, string prefix, HashSet<string> paths)
    {
        foreach (var (segment, child) in node)
        {
            if (segment == ".")
            {
                paths.Add(prefix);
                continue;
            }

            string path = prefix.Length == 0 ? segment : prefix + Separator + segment;
            if (child is JsonObject childObject && childObject.Count > 0)
            {
                Collect(childObject, path, paths);
            }
            else
            {
                paths.Add(path);
            }
        }
    }

    /// <summary>Finds the value at a path; false when the object does not have it.</summary>
    public static bool TryGetValue(JsonObject obj, string path, out JsonNode? value)
    {
        JsonNode? node = obj;
        foreach (string segment in Segments(path))
        {
            node = Step(node, segment, out _);
            if (node is null)
            {
                value = null;
                return false;
            }
        }

        value = node;
        return true;
    }

    /// <summary>Removes the field or list item at a path, if present.</summary>
    public static void Remove(JsonObject obj, string path)
    {
        string[] segments = Segments(path);
        JsonNode? parent = obj;
        foreach (string segment in segments[..^1])
        {
            parent = Step(parent, segment, out _);
            if (parent is null)
            {
                return;
            }
        }

        string last = segments[^1];
        if (last.StartsWith("f:", StringComparison.Ordinal) && parent is JsonObject parentObject)
        {
            parentObject.Remove(last[2..]);
        }
        else if (parent is JsonArray array && Step(array, last, out int index) is not null)
        {
            array.RemoveAt(index);
        }
    }

    private static JsonNode? Step(JsonNode? node, string segment, out int index)
    {
        index = -1;
        if (segment.StartsWith("f:", StringComparison.Ordinal))
        {
            return node is JsonObject obj ? obj[segment[2..]] : null;
        }

        if (node is not JsonArray array)
        {
            return null;
        }

        if (segment.StartsWith("k:", StringComparison.Ordinal))
        {
            var keys = JsonNode.Parse(segment[2..])!.AsObject();
            index = array.ToList().FindIndex(item => item is JsonObject o && keys.All(k => JsonNode.DeepEquals(o[k.Key], k.Value)));
        }
        else if (segment.StartsWith("v:", StringComparison.Ordinal))
        {
            var wanted = JsonNode.Parse(segment[2..]);
            index = array.ToList().FindIndex(item => JsonNode.DeepEquals(item, wanted));
        }

        return index >= 0 ? array[index] : null;
    }

    /// <summary>The path as the apiserver prints it in conflicts: <c>.spec.containers[name="web"].image</c>.</summary>
    public static string Display(string path)
    {
        var text = new StringBuilder();
        foreach (string segment in Segments(path))
        {
            if (segment.StartsWith("f:", StringComparison.Ordinal))
            {
                text.Append('.').Append(segment[2..]);
            }
            else if (segment.StartsWith("k:", StringComparison.Ordinal))
            {
                var keys = JsonNode.Parse(segment[2..])!.AsObject();
                text.Append('[').AppendJoin(',', keys.Select(k => $"{k.Key}={k.Value?.ToJsonString(CompactJson)}")).Append(']');
            }
            else
            {
                text.Append("[=").Append(segment[2..]).Append(']');
            }
        }

        return text.ToString();
    }

    private static readonly JsonSerializerOptions CompactJson = new() { WriteIndented = false };
}
