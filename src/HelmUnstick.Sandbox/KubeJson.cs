using System.Runtime.CompilerServices;

namespace HelmUnstick.Sandbox;

internal static class KubeJson
{
    public const string ContentType = "application/json";

    /// <summary>
    /// Each stored object's metadata, and the object as a typed list's item, encoded once. The store never changes
    /// an object it holds (a change stores a new one), so the object itself is the key: a list of tens of thousands
    /// of release Secrets is then written from bytes instead of being copied and encoded again on every request,
    /// as an apiserver serves lists from its cache.
    /// </summary>
    private static readonly ConditionalWeakTable<JsonObject, byte[]> EncodedMetadata = [];
    private static readonly ConditionalWeakTable<JsonObject, byte[]> EncodedListItems = [];

    /// <summary>Writes the body as UTF-8 straight into the response, without a string of it first (lists can be megabytes).</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, JsonNode body, string contentType = ContentType)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            body.WriteTo(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// Writes a list of stored objects as kind/apiVersion/metadata/items. <paramref name="itemKind"/> set: each item
    /// is that kind's wrapper around the object's metadata (PartialObjectMetadata); null: each item is the object
    /// without kind and apiVersion, as the items of a typed list are served.
    /// </summary>
    public static async Task WriteListAsync(
        HttpContext context, string kind, string apiVersion, JsonObject metadata, IReadOnlyList<JsonObject> items, string? itemKind, string contentType = ContentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("apiVersion", apiVersion);
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                if (itemKind is null)
                {
                    writer.WriteRawValue(EncodedListItems.GetValue(item, EncodeAsListItem), skipInputValidation: true);
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("kind", itemKind);
                writer.WriteString("apiVersion", apiVersion);
                writer.WritePropertyName("metadata");
                writer.WriteRawValue(EncodedMetadata.GetValue(item, EncodeMetadata), skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static byte[] EncodeMetadata(JsonObject stored) => Encode(writer => (stored["metadata"] ?? new JsonObject()).WriteTo(writer));

    private static byte[] EncodeAsListItem(JsonObject stored) => Encode(writer =>
    {
        writer.WriteStartObject();
        foreach (var (name, value) in stored)
        {
            if (name is not ("kind" or "apiVersion"))
            {
                writer.WritePropertyName(name);
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
    });

    private static byte[] Encode(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw ApiErrors.BadRequest($"the body of the request could not be decoded as JSON: {e.Message}");
        }
    }
}
