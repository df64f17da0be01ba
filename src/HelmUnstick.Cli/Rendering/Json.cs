using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HelmUnstick.Cli.Commands;
using HelmUnstick.Cli.Safety;
using HelmUnstick.Cli.Serve;
using HelmUnstick.Core.Diagnosis;

namespace HelmUnstick.Cli.Rendering;

internal static class Json
{
    /// <summary>
    /// Source-generated metadata only (the shipped binary is compiled ahead of time, without reflection): a type
    /// written as JSON must be listed on <see cref="CliJsonContext"/>, or serializing it fails in every build alike.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = CliJsonContext.Default,
    };

    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => Serialize(value, Options);

    public static string Serialize<T>(T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}

[JsonSerializable(typeof(List<StuckReleaseFinding>))]
[JsonSerializable(typeof(ScanEvent))]
[JsonSerializable(typeof(List<HistoryRow>))]
[JsonSerializable(typeof(List<BackupRow>))]
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(HelmOutlook))]
[JsonSerializable(typeof(ServeDecision))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
