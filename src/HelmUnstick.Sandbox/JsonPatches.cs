namespace HelmUnstick.Sandbox;

/// <summary>RFC 7386 JSON merge patch.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result[name] = merged;
            }
        }

        return result;
    }
}

/// <summary>RFC 6902 JSON patch: add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? target, JsonArray operations)
    {
        var document = target?.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                throw ApiErrors.BadRequest("the server rejected our request due to an error in our request");
            }

            document = name switch
            {
                "add" => Add(document, path, Value(op)),
                "remove" => Remove(document, path, out _),
                "replace" => Add(Remove(document, path, out _), path, Value(op)),
                "move" => Move(document, From(op), path),
                "copy" => Add(document, path, Get(document, From(op)).DeepClone()),
                "test" => Test(document, path, Value(op)),
                _ => throw Unprocessable($"Unexpected kind: {name}"),
            };
        }

        return document;
    }

    private static JsonNode? Move(JsonNode? document, string from, string path)
    {
        document = Remove(document, from, out var moved);
        return Add(document, path, moved);
    }

    private static JsonNode? Test(JsonNode? document, string path, JsonNode? expected) =>
        JsonNode.DeepEquals(Get(document, path), expected)
            ? document
            : throw Unprocessable($"testing value {path} failed: test failed");

    private static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Unprocessable("missing value");

    private static string From(JsonObject op) =>
        op["from"]?.GetValue<string>() ?? throw Unprocessable("missing from");

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array:
                var index = Index(array, last, allowEnd: true, path);
                array.Insert(index, value);
                break;
            default:
                throw Unprocessable($"add operation does not apply: doc is missing path: \"{path}\"");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                removed = obj[last];
                obj.Remove(last);
                break;
            case JsonArray array:
                var index = Index(array, last, allowEnd: false, path);
                removed = array[index];
                array.RemoveAt(index);
                break;
            default:
                throw Unprocessable($"remove operation does not apply: doc is missing path: \"{path}\"");
        }

        return document;
    }

    private static JsonNode Get(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject obj when obj.ContainsKey(token) => obj[token],
                JsonArray array => array[Index(array, token, allowEnd: false, path)],
                _ => throw Unprocessable($"doc is missing path: \"{path}\""),
            };
        }

        return node ?? throw Unprocessable($"doc is missing path: \"{path}\"");
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode? document, string path)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            throw Unprocessable($"doc is missing path: \"{path}\"");
        }

        var parentPath = path[..path.LastIndexOf('/')];
        var parent = parentPath.Length == 0 ? document : Get(document, parentPath);
        return (parent, tokens[^1]);
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length > 0 && path[0] != '/')
        {
            throw Unprocessable($"invalid JSON pointer: \"{path}\"");
        }

        return path.Length == 0
            ? []
            : path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static int Index(JsonArray array, string token, bool allowEnd, string path)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index > array.Count || (!allowEnd && index == array.Count))
        {
            throw Unprocessable($"doc is missing path: \"{path}\"");
        }

        return index;
    }

    private static ApiException Unprocessable(string message) =>
        new(422, ApiErrors.Status(422, "Invalid", message, new JsonObject()));
}
