using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Serve;

namespace HelmUnstick.Engine;

/// <summary>The JSON the engine writes itself (audit lines, serve's decision lines), in the same style as the CLI's output.</summary>
internal static class EngineJson
{
    /// <summary>
    /// Source-generated metadata only (the shipped binary is compiled ahead of time, without reflection): a type
    /// written as JSON must be listed on a context, or serializing it fails in every build alike.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = EngineJsonContext.Default,
    };

    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}

[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(ServeDecision))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;
