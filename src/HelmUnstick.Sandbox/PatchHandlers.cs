using HelmUnstick.Sandbox.Patching;

namespace HelmUnstick.Sandbox;

/// <summary>Applies a PATCH body to the current object, by the request's Content-Type.</summary>
internal static class PatchHandlers
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string StrategicMergePatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    public static IReadOnlyList<string> Supported { get; } = [JsonPatchType, MergePatch, StrategicMergePatchType, ApplyPatch];

    /// <summary>Returns the patched object; throws an <see cref="ApiException"/> for an unsupported type or a bad patch.</summary>
    public static JsonObject Apply(string mediaType, JsonObject current, string body) => mediaType switch
    {
        MergePatch => JsonMergePatch.Apply(current, ParseBody(body)) as JsonObject
            ?? throw ApiErrors.BadRequest("the patch did not produce an object"),
        JsonPatchType => JsonPatch.Apply(current, ParseBody(body) as JsonArray
            ?? throw ApiErrors.BadRequest("the server rejected our request due to an error in our request")) as JsonObject
            ?? throw ApiErrors.BadRequest("the patch did not produce an object"),
        StrategicMergePatchType => StrategicMergePatch.Apply(current, ParseBody(body) as JsonObject
            ?? throw ApiErrors.BadRequest("the strategic merge patch is not a JSON object"), current["kind"]?.GetValue<string>() ?? ""),
        _ => throw ApiErrors.UnsupportedMediaType(Supported),
    };

    /// <summary>
    /// The body of an apply patch. Helm and kubectl send it as JSON, which is YAML too; a YAML-only body is
    /// rejected with 400 because the sandbox parses no YAML.
    /// </summary>
    public static JsonObject ParseApplyConfiguration(string body) =>
        ParseBody(body) as JsonObject ?? throw ApiErrors.BadRequest("the apply configuration is not an object");

    private static JsonNode? ParseBody(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiErrors.BadRequest($"error decoding patch: {e.Message}");
        }
    }
}
