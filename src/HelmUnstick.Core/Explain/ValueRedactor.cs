using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>
/// Decides which values may be printed. A Secret's <c>data</c>/<c>stringData</c> (in a manifest or live) is never
/// printed, not even with <c>--show-values</c>, which shows the release's user values only. User values
/// (<c>config</c>) may hold passwords, and templates copy them into manifests, so when values are hidden a manifest
/// or live value is hidden too when it contains any string of either revision's user values. Strings shorter than
/// <see cref="MinimumSecretLength"/> are not treated as secrets: they would hide most of the manifest and are no
/// secret worth the name.
/// </summary>
internal sealed class ValueRedactor
{
    public const string Hidden = "(hidden)";
    private const int MinimumSecretLength = 4;

    private readonly bool _showValues;
    private readonly IReadOnlyList<string> _userStrings;

    public ValueRedactor(bool showValues, params JsonObject?[] userValues)
    {
        _showValues = showValues;
        _userStrings = userValues
            .SelectMany(StringLeaves)
            .Where(text => text.Length >= MinimumSecretLength)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    public bool ShowsValues => _showValues;

    public bool HidesManifestValue(string kind, string path, JsonNode? value) =>
        IsSecretData(kind, path) || (!_showValues && StringLeaves(value).Any(ContainsUserString));

    private static bool IsSecretData(string kind, string path) =>
        kind == "Secret" && (path.StartsWith("data", StringComparison.Ordinal) || path.StartsWith("stringData", StringComparison.Ordinal));

    private bool ContainsUserString(string text) =>
        _userStrings.Any(secret => text.Contains(secret, StringComparison.Ordinal));

    private static IEnumerable<string> StringLeaves(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(pair => StringLeaves(pair.Value)),
        JsonArray list => list.SelectMany(StringLeaves),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };
}
