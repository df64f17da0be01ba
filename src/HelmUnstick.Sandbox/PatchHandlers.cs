using System.Text.Json;
using System.Text.Json.Nodes;

namespace HelmUnstick.Sandbox;

/// <summary>Applies a PATCH body to the current object, by the request's Content-Type.</summary>
internal static class PatchHandlers
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";

    public static IReadOnlyList<string> Supported { get; } = [JsonPatchType, MergePatch];

    /// <summary>Returns the patched object; throws an <see cref="ApiException"/> for an unsupported type or a bad patch.</summary>
    public static JsonObject Apply(string mediaType, JsonObject current, string body) => mediaType switch
    {
        MergePatch => JsonMergePatch.Apply(current, ParseBody(body)) as JsonObject
            ?? throw ApiErrors.BadRequest("the patch did not produce an object"),
        JsonPatchType => JsonPatch.Apply(current, ParseBody(body) as JsonArray
            ?? throw ApiErrors.BadRequest("the server rejected our request due to an error in our request")) as JsonObject
            ?? throw ApiErrors.BadRequest("the patch did not produce an object"),
        _ => throw ApiErrors.UnsupportedMediaType(Supported),
    };

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
