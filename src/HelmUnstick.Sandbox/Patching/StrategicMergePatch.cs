namespace HelmUnstick.Sandbox.Patching;

/// <summary>
/// Kubernetes strategic merge patch (<c>application/strategic-merge-patch+json</c>) for the built-in kinds the
/// sandbox serves. Inputs are never modified.
/// </summary>
internal static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    /// <exception cref="NotSupportedException">The kind has no strategic merge schema (the API answers 415).</exception>
    public static JsonObject Apply(JsonObject original, JsonObject patch, string kind)
    {
        if (!PatchSchema.SupportedKinds.Contains(kind))
        {
            throw new NotSupportedException($"strategic merge patch is not supported for kind {kind}");
        }

        return Merge(original, patch, kind);
    }

    /// <summary>The merge without the kind check: server-side apply merges any kind's applied configuration.</summary>
    internal static JsonObject Merge(JsonObject original, JsonObject patch, string kind) =>
        MergeObject(original, patch, kind) ?? [];

    /// <summary>Returns the merged object, or null when the patch says <c>$patch: delete</c>.</summary>
    private static JsonObject? MergeObject(JsonObject? original, JsonObject patch, string kind)
    {
        switch (DirectiveOf(patch))
        {
            case "delete":
                return null;
            case "replace":
                return StripDirectives(patch, kind);
        }

        var result = original?.DeepClone().AsObject() ?? [];
        foreach (var (key, patchValue) in patch)
        {
            if (key.StartsWith('$'))
            {
                if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
                {
                    DeleteFromPrimitiveList(result, key[DeleteFromPrimitiveListPrefix.Length..], patchValue as JsonArray);
                }

                continue;
            }

            switch (patchValue)
            {
                case null:
                    result.Remove(key);
                    break;
                case JsonObject patchObject:
                    var merged = MergeObject(result[key] as JsonObject, patchObject, kind);
                    if (merged is null) result.Remove(key);
                    else result[key] = merged;
                    break;
                case JsonArray patchArray:
                    result[key] = MergeList(result[key] as JsonArray, patchArray, PatchSchema.ListStrategy(kind, key), kind);
                    break;
                default:
                    result[key] = patchValue.DeepClone();
                    break;
            }
        }

        foreach (var (key, order) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) && order is JsonArray orderArray)
            {
                string field = key[SetElementOrderPrefix.Length..];
                if (result[field] is JsonArray list)
                {
                    result[field] = ApplyElementOrder(list, orderArray, PatchSchema.ListStrategy(kind, field));
                }
            }
        }

        if (patch[RetainKeysDirective] is JsonArray retainKeys)
        {
            var retained = retainKeys.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (string key in result.Select(p => p.Key).Where(k => !retained.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, ListMergeStrategy strategy, string kind)
    {
        if (strategy.Kind == ListMergeKind.Atomic || original is null && strategy.Kind == ListMergeKind.PrimitiveSet)
        {
            return StripDirectivesFromList(patch, kind);
        }

        if (strategy.Kind == ListMergeKind.PrimitiveSet)
        {
            var union = original!.DeepClone().AsArray();
            foreach (var item in patch.Where(item => !union.Any(existing => JsonNode.DeepEquals(existing, item))))
            {
                union.Add(item?.DeepClone());
            }

            return union;
        }

        // A list item {"$patch": "replace"} makes the patch's items the whole list.
        if (patch.Any(item => item is JsonObject o && DirectiveOf(o) == "replace"))
        {
            return new JsonArray([.. patch.OfType<JsonObject>().Where(o => DirectiveOf(o) != "replace").Select(o => (JsonNode)StripDirectives(o, kind))]);
        }

        string mergeKey = strategy.MergeKey!;
        var result = original?.DeepClone().AsArray() ?? [];
        foreach (var patchItem in patch.OfType<JsonObject>())
        {
            var keyValue = patchItem[mergeKey];
            int index = IndexOfKey(result, mergeKey, keyValue);
            if (DirectiveOf(patchItem) == "delete")
            {
                if (index >= 0) result.RemoveAt(index);
                continue;
            }

            if (index >= 0)
            {
                result[index] = MergeObject(result[index] as JsonObject, patchItem, kind);
            }
            else
            {
                result.Add(StripDirectives(patchItem, kind));
            }
        }

        return result;
    }

    /// <summary>
    /// Orders list items as the patch's <c>$setElementOrder</c> lists them; items the patch does not mention keep
    /// their relative order after the listed ones.
    /// </summary>
    private static JsonArray ApplyElementOrder(JsonArray list, JsonArray order, ListMergeStrategy strategy)
    {
        var remaining = list.Select(item => item?.DeepClone()).ToList();
        var ordered = new JsonArray();
        foreach (var wanted in order)
        {
            int index = remaining.FindIndex(item => strategy.Kind == ListMergeKind.MergeByKey
                ? JsonNode.DeepEquals(item?[strategy.MergeKey!], wanted?[strategy.MergeKey!])
                : JsonNode.DeepEquals(item, wanted));
            if (index >= 0)
            {
                ordered.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }

        foreach (var item in remaining)
        {
            ordered.Add(item);
        }

        return ordered;
    }

    private static void DeleteFromPrimitiveList(JsonObject target, string field, JsonArray? valuesToDelete)
    {
        if (target[field] is not JsonArray list || valuesToDelete is null)
        {
            return;
        }

        target[field] = new JsonArray([.. list.Where(item => !valuesToDelete.Any(v => JsonNode.DeepEquals(v, item))).Select(item => item?.DeepClone())]);
    }

    private static int IndexOfKey(JsonArray list, string mergeKey, JsonNode? keyValue)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && JsonNode.DeepEquals(item[mergeKey], keyValue))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A patch value that lands where nothing was merges with nothing: only its directives go.</summary>
    private static JsonObject StripDirectives(JsonObject patch, string kind)
    {
        var result = new JsonObject();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$') || value is null)
            {
                continue;
            }

            result[key] = value switch
            {
                JsonObject o => StripDirectives(o, kind),
                JsonArray a => StripDirectivesFromList(a, kind),
                _ => value.DeepClone(),
            };
        }

        return result;
    }

    private static JsonArray StripDirectivesFromList(JsonArray list, string kind) =>
        new([.. list
            .Where(item => item is not JsonObject o || DirectiveOf(o) != "delete")
            .Select(item => item is JsonObject o ? StripDirectives(o, kind) : item?.DeepClone())]);

    private static string? DirectiveOf(JsonObject patch) =>
        patch[PatchDirective] is JsonValue directive ? directive.GetValue<string>() : null;
}
