using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Releases;

/// <summary>
/// Helm's release encoding: JSON, gzipped (best compression), then standard padded base64. That base64 text
/// is the Secret's <c>data.release</c> value; the API's JSON form base64-encodes it once more.
/// </summary>
public static class ReleaseCodec
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b, 0x08];

    private static readonly JsonSerializerOptions GoLikeJson = new()
    {
        // Go's encoding/json keeps non-ASCII as UTF-8 and escapes only <, >, & (done below) and controls.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    /// <summary>Decodes Helm's payload (the Secret data value as bytes, i.e. Helm's base64 text).</summary>
    public static HelmRelease Decode(ReadOnlySpan<byte> helmPayload)
    {
        byte[] raw;
        try
        {
            // Go's StdEncoding skips only line breaks; .NET would also skip spaces and tabs.
            var text = Encoding.ASCII.GetString(helmPayload);
            raw = text.AsSpan().IndexOfAny(' ', '\t') >= 0 ? throw new FormatException() : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ReleasePayloadException("the release payload is not base64 (one encoding layer missing or extra?)");
        }

        // Helm gunzips only when the magic bytes are there; plain JSON is read as is.
        var json = raw.AsSpan().StartsWith(GzipMagic) ? Gunzip(raw) : raw;
        JsonNode? node;
        try
        {
            // Duplicate keys are refused: Go keeps the last one, and a rewrite that guessed differently could change
            // the release. JsonNode materialises lazily, so writing it once surfaces bad strings (lone surrogates) here.
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
            _ = node?.ToJsonString();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new ReleasePayloadException($"the release payload is not valid JSON ({e.Message})");
        }

        if (node is not JsonObject obj)
        {
            throw new ReleasePayloadException("the release payload is not a JSON object");
        }

        return new HelmRelease(obj);
    }

    /// <summary>Decodes the value as found in the API's JSON form of the Secret (two base64 layers).</summary>
    public static HelmRelease DecodeApiJsonValue(string apiJsonValue)
    {
        byte[] helmPayload;
        try
        {
            helmPayload = Convert.FromBase64String(apiJsonValue);
        }
        catch (FormatException)
        {
            throw new ReleasePayloadException("the Secret's data.release is not base64");
        }

        return Decode(helmPayload);
    }

    /// <summary>
    /// Decodes <c>data.release</c> as the API's JSON form carries it for the driver: a Secret's bytes are base64 once
    /// more on top of Helm's text (two layers), a ConfigMap's string is Helm's text itself (one layer).
    /// </summary>
    public static HelmRelease DecodeStoredValue(string apiJsonValue, StorageDriver driver) =>
        driver == StorageDriver.ConfigMap ? Decode(Encoding.ASCII.GetBytes(apiJsonValue)) : DecodeApiJsonValue(apiJsonValue);

    /// <summary>The <c>data.release</c> value for the API's JSON form of the driver's object, verified as <see cref="Encode"/> is.</summary>
    public static string EncodeStoredValue(HelmRelease release, StorageDriver driver)
    {
        var payload = Encode(release);
        return driver == StorageDriver.ConfigMap ? Encoding.ASCII.GetString(payload) : Convert.ToBase64String(payload);
    }

    /// <summary>
    /// Encodes as Helm does, then decodes the result again and compares it with the input: a payload that
    /// Helm could not read would make the revision vanish from its history, so nothing unverified leaves here.
    /// </summary>
    public static byte[] Encode(HelmRelease release)
    {
        var json = ToGoJson(release.ToJsonObject());
        var compressed = Gzip(json);
        var payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(compressed));

        var roundTrip = Decode(payload);
        if (!JsonNode.DeepEquals(roundTrip.ToJsonObject(), release.ToJsonObject()))
        {
            throw new ReleasePayloadException("the re-encoded payload does not decode to the same release; nothing was written");
        }

        return payload;
    }

    /// <summary>The release JSON exactly as Go's json.Marshal writes it for these documents.</summary>
    public static byte[] ToGoJson(JsonObject json)
    {
        var text = json.ToJsonString(GoLikeJson)
            .Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);

            // .NET ends a truncated stream quietly; Go fails with unexpected EOF. The trailer's ISIZE (length mod 2^32)
            // is checked so that what is read here is what Helm can read.
            var size = compressed.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4)) : (uint?)null;
            return output.Length > 0 && size == (uint)output.Length
                ? output.ToArray()
                : throw new ReleasePayloadException("the release payload is not valid gzip (truncated)");
        }
        catch (InvalidDataException e)
        {
            throw new ReleasePayloadException($"the release payload is not valid gzip ({e.Message})");
        }
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}

/// <summary>A release payload that cannot be read; the message says what is wrong with it.</summary>
public sealed class ReleasePayloadException(string message) : Exception(message);
