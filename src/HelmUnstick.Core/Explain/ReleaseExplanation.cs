using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>
/// A field change ready to print. When <see cref="Hidden"/>, <see cref="Previous"/> and <see cref="Stuck"/> are the
/// string <c>(hidden)</c> (or null where the field is absent) and the real values are not kept.
/// </summary>
public sealed record ExplainedField(string Path, FieldChangeKind Kind, JsonNode? Previous, JsonNode? Stuck, bool Hidden);

/// <summary>A field where the live object differs from what <see cref="Revision"/>'s manifest sets.</summary>
public sealed record LiveDifference(string Path, int Revision, JsonNode? Expected, JsonNode? Live, bool Hidden);

public sealed record ExplainedResource(
    ResourceKey Key,
    string ApiVersion,
    ResourceChange Change,
    LiveState Live,
    IReadOnlyList<ExplainedField> Fields,
    IReadOnlyList<LiveDifference> LiveDifferences,
    string Sentence);

/// <summary>
/// Why the next upgrade after removing stuck revision N shows changes: what differs between N and the revision Helm
/// diffs from next, and which of the two the cluster runs. Holds no hidden value, so it is safe to print or store.
/// </summary>
public sealed record ReleaseExplanation(
    int StuckRevision,
    int PreviousRevision,
    ChartChange Chart,
    IReadOnlyList<ExplainedField> Values,
    IReadOnlyList<ExplainedResource> Resources,
    string Summary,
    bool ValuesShown)
{
    // Relaxed escaping: the JSON is read by people and tools, not embedded in HTML, so "revision 4's" stays readable.
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => ToJsonObject().ToJsonString(Indented);

    public JsonObject ToJsonObject() => new()
    {
        ["stuckRevision"] = StuckRevision,
        ["previousRevision"] = PreviousRevision,
        ["valuesShown"] = ValuesShown,
        ["summary"] = Summary,
        ["chart"] = new JsonObject
        {
            ["changed"] = Chart.IsChanged,
            ["previous"] = ChartJson(Chart.PreviousName, Chart.PreviousVersion, Chart.PreviousAppVersion),
            ["stuck"] = ChartJson(Chart.StuckName, Chart.StuckVersion, Chart.StuckAppVersion),
        },
        ["values"] = new JsonArray(Values.Select(FieldJson).ToArray()),
        ["resources"] = new JsonArray(Resources.Select(ResourceJson).ToArray()),
    };

    /// <summary>What a value hidden because it may be a password is shown as.</summary>
    public const string HiddenValue = ValueRedactor.Hidden;

    public static string JsonName(ResourceChange change) => change.ToString().ToLowerInvariant();

    public static string JsonName(FieldChangeKind kind) => kind.ToString().ToLowerInvariant();

    public static string JsonName(LiveState state) => state switch
    {
        LiveState.MatchesStuck => "matches-stuck",
        LiveState.MatchesPrevious => "matches-previous",
        LiveState.MatchesBoth => "matches-both",
        LiveState.Neither => "neither",
        _ => "missing",
    };

    private static JsonObject ChartJson(string name, string version, string? appVersion) => new()
    {
        ["name"] = name,
        ["version"] = version,
        ["appVersion"] = appVersion,
    };

    private static JsonNode ResourceJson(ExplainedResource resource) => new JsonObject
    {
        ["kind"] = resource.Key.Kind,
        ["namespace"] = resource.Key.Namespace,
        ["name"] = resource.Key.Name,
        ["apiVersion"] = resource.ApiVersion,
        ["change"] = JsonName(resource.Change),
        ["live"] = JsonName(resource.Live),
        ["fields"] = new JsonArray(resource.Fields.Select(FieldJson).ToArray()),
        ["liveDifferences"] = new JsonArray(resource.LiveDifferences.Select(difference => (JsonNode)new JsonObject
        {
            ["path"] = difference.Path,
            ["revision"] = difference.Revision,
            ["expected"] = difference.Expected?.DeepClone(),
            ["live"] = difference.Live?.DeepClone(),
        }).ToArray()),
        ["sentence"] = resource.Sentence,
    };

    private static JsonNode FieldJson(ExplainedField field)
    {
        var json = new JsonObject { ["path"] = field.Path, ["change"] = JsonName(field.Kind) };
        if (field.Kind != FieldChangeKind.Added)
        {
            json["previous"] = field.Previous?.DeepClone();
        }

        if (field.Kind != FieldChangeKind.Removed)
        {
            json["stuck"] = field.Stuck?.DeepClone();
        }

        return json;
    }
}
