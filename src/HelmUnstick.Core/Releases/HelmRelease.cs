using System.Globalization;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Releases;

/// <summary>
/// A decoded Helm release payload. It keeps the whole JSON document so that fields this tool does not
/// know (Helm 4's <c>apply_method</c>, <c>chart.modtime</c>, future ones) survive a rewrite untouched.
/// </summary>
public sealed class HelmRelease
{
    private readonly JsonObject _json;

    internal HelmRelease(JsonObject json) => _json = json;

    public string Name => Str(_json["name"]) ?? "";

    public string Namespace => Str(_json["namespace"]) ?? "";

    public int Version => _json["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;

    public string StatusText => Str(Info?["status"]) ?? "";

    public ReleaseStatus Status => ReleaseStatusNames.TryParse(StatusText, out var s) ? s : ReleaseStatus.Unknown;

    public string Description => Str(Info?["description"]) ?? "";

    public DateTimeOffset? FirstDeployed => Time(Info?["first_deployed"]);

    public DateTimeOffset? LastDeployed => Time(Info?["last_deployed"]);

    public string ChartName => Str(ChartMetadata?["name"]) ?? "";

    public string ChartVersion => Str(ChartMetadata?["version"]) ?? "";

    public string? AppVersion => Str(ChartMetadata?["appVersion"]);

    public string Manifest => Str(_json["manifest"]) ?? "";

    /// <summary>User-supplied values. May hold passwords: never print without the user's consent.</summary>
    public JsonObject? Config => _json["config"] as JsonObject;

    public int HookCount => (_json["hooks"] as JsonArray)?.Count ?? 0;

    /// <summary>The hooks Helm runs around the operation, each with its own manifest (kept out of <see cref="Manifest"/>).</summary>
    public IReadOnlyList<HelmHook> Hooks =>
        (_json["hooks"] as JsonArray)?.OfType<JsonObject>()
            .Select(h => new HelmHook(Str(h["name"]) ?? "", Str(h["kind"]) ?? "", Str(h["manifest"]) ?? ""))
            .ToList() ?? [];

    private JsonObject? Info => _json["info"] as JsonObject;

    private JsonObject? ChartMetadata => (_json["chart"] as JsonObject)?["metadata"] as JsonObject;

    /// <summary>A deep copy of the payload document.</summary>
    public JsonObject ToJsonObject() => (JsonObject)_json.DeepClone();

    /// <summary>
    /// A copy with a new status and description, as Helm itself records a failed operation
    /// (it leaves <c>last_deployed</c> alone).
    /// </summary>
    public HelmRelease WithStatus(ReleaseStatus status, string description)
    {
        var copy = ToJsonObject();
        if (copy["info"] is not JsonObject info)
        {
            info = new JsonObject();
            copy["info"] = info;
        }

        info["status"] = status.ToHelmName();
        info["description"] = description;
        return new HelmRelease(copy);
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static DateTimeOffset? Time(JsonNode? node) =>
        Str(node) is { Length: > 0 } s
        && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
}

/// <summary>One hook of a release payload: its name, kind and rendered manifest.</summary>
public sealed record HelmHook(string Name, string Kind, string Manifest);
