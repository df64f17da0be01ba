using System.Text.Json;
using System.Text.Json.Serialization;
using HelmUnstick.Engine.Scan;
using HelmUnstick.Engine.Serve;

namespace HelmUnstick.Cli.Rendering;

internal static class Json
{
    /// <summary>The engine's JSON style, with the metadata of what the commands write (see <see cref="EngineJson.Options"/>).</summary>
    public static readonly JsonSerializerOptions Options = new(EngineJson.Options) { TypeInfoResolver = CliJsonContext.Default };

    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => Serialize(value, Options);

    public static string Serialize<T>(T value, JsonSerializerOptions options) => EngineJson.Serialize(value, options);
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
