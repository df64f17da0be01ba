namespace HelmUnstick.Sandbox.Patching;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>) and the field ownership it keeps in
/// <c>metadata.managedFields</c>. Simplified from structured-merge-diff: list items are keyed by a single merge
/// key, <c>status</c> is neither applied nor owned, and ownership is tracked for whole leaves. Inputs are never
/// modified.
/// </summary>
internal static class ServerSideApply
{
    private sealed record ManagedEntry(string Manager, string Operation, string ApiVersion, string? Time, string? Subresource, HashSet<string> Fields);

    public static ServerSideApplyResult Apply(JsonObject? live, JsonObject applied, string fieldManager, bool force, DateTimeOffset now)
    {
        string kind = StringOf(applied["kind"]) ?? StringOf(live?["kind"]) ?? "";
        string apiVersion = StringOf(applied["apiVersion"]) ?? StringOf(live?["apiVersion"]) ?? "";
        var appliedConfig = applied.DeepClone().AsObject();
        appliedConfig.Remove("status");
        (appliedConfig["metadata"] as JsonObject)?.Remove("managedFields");

        var appliedFields = FieldSet.Of(appliedConfig, kind);
        var entries = ReadEntries(live);
        var liveObject = live ?? [];
        bool IsMine(ManagedEntry entry) => entry.Manager == fieldManager && entry.Operation == "Apply" && entry.Subresource is null;

        var conflicts = new List<FieldConflict>();
        foreach (var entry in entries.Where(e => !IsMine(e)))
        {
            foreach (string path in appliedFields.Where(p => entry.Fields.Contains(p) && !FieldSet.IsListItem(p)).Order(StringComparer.Ordinal))
            {
                FieldSet.TryGetValue(appliedConfig, path, out var appliedValue);
                if (!FieldSet.TryGetValue(liveObject, path, out var liveValue) || !JsonNode.DeepEquals(appliedValue, liveValue))
                {
                    conflicts.Add(new FieldConflict(entry.Manager, entry.Operation, entry.ApiVersion, FieldSet.Display(path)));
                    if (force)
                    {
                        entry.Fields.Remove(path);
                    }
                }
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            return new ServerSideApplyResult(null, conflicts);
        }

        var result = liveObject.DeepClone().AsObject();
        var previouslyMine = entries.Where(IsMine).SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
        var ownedByOthers = entries.Where(e => !IsMine(e)).SelectMany(e => e.Fields).ToHashSet(StringComparer.Ordinal);
        // Shallowest paths first: a list item goes before its fields, which then are simply not found (removing
        // the fields first would erase the merge key that finds the item).
        foreach (string path in previouslyMine.Where(p => !appliedFields.Contains(p) && !ownedByOthers.Contains(p)).OrderBy(p => p.Length))
        {
            FieldSet.Remove(result, path);
        }

        result = StrategicMergePatch.Merge(result, appliedConfig, kind);

        var mine = new ManagedEntry(fieldManager, "Apply", apiVersion, FormatTime(now), null, appliedFields);
        int myIndex = entries.FindIndex(IsMine);
        if (myIndex >= 0) entries[myIndex] = mine;
        else entries.Add(mine);
        WriteEntries(result, entries);
        return new ServerSideApplyResult(result, []);
    }

    /// <summary>
    /// Records the ownership a non-apply write (create, update, patch) gives its field manager: every field it
    /// added or changed becomes its own and no longer any other manager's. Ownership starts from
    /// <paramref name="before"/>'s managedFields.
    /// </summary>
    public static JsonObject RecordUpdate(JsonObject? before, JsonObject after, string fieldManager, DateTimeOffset now)
    {
        string kind = StringOf(after["kind"]) ?? "";
        string apiVersion = StringOf(after["apiVersion"]) ?? "";
        var afterFields = FieldSet.Of(after, kind);
        var changed = afterFields
            .Where(path => before is null || !FieldSet.TryGetValue(before, path, out var old) || !FieldSet.TryGetValue(after, path, out var current) || !JsonNode.DeepEquals(old, current))
            .ToHashSet(StringComparer.Ordinal);

        var entries = ReadEntries(before);
        bool IsMine(ManagedEntry entry) => entry.Manager == fieldManager && entry.Operation == "Update" && entry.Subresource is null;
        foreach (var entry in entries)
        {
            entry.Fields.IntersectWith(afterFields);
            if (!IsMine(entry))
            {
                entry.Fields.ExceptWith(changed);
            }
        }

        int myIndex = entries.FindIndex(IsMine);
        var myFields = myIndex >= 0 ? entries[myIndex].Fields : new HashSet<string>(StringComparer.Ordinal);
        myFields.UnionWith(changed);
        var mine = new ManagedEntry(fieldManager, "Update", apiVersion, FormatTime(now), null, myFields);
        if (myIndex >= 0) entries[myIndex] = mine;
        else entries.Add(mine);

        var result = after.DeepClone().AsObject();
        WriteEntries(result, entries);
        return result;
    }

    private static List<ManagedEntry> ReadEntries(JsonObject? obj)
    {
        var entries = new List<ManagedEntry>();
        foreach (var node in obj?["metadata"]?["managedFields"] as JsonArray ?? [])
        {
            if (node is not JsonObject entry)
            {
                continue;
            }

            entries.Add(new ManagedEntry(
                StringOf(entry["manager"]) ?? "",
                StringOf(entry["operation"]) ?? "",
                StringOf(entry["apiVersion"]) ?? "",
                StringOf(entry["time"]),
                StringOf(entry["subresource"]),
                entry["fieldsV1"] is JsonObject fields ? FieldSet.FromFieldsV1(fields) : new HashSet<string>(StringComparer.Ordinal)));
        }

        return entries;
    }

    private static void WriteEntries(JsonObject obj, List<ManagedEntry> entries)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            obj["metadata"] = metadata;
        }

        var array = new JsonArray();
        foreach (var entry in entries.Where(e => e.Fields.Count > 0))
        {
            var json = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
            };
            if (entry.Time is not null) json["time"] = entry.Time;
            json["fieldsType"] = "FieldsV1";
            json["fieldsV1"] = FieldSet.ToFieldsV1(entry.Fields);
            if (entry.Subresource is not null) json["subresource"] = entry.Subresource;
            array.Add(json);
        }

        metadata["managedFields"] = array;
    }

    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
