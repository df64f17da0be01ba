using System.Globalization;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

public enum LiveState
{
    MatchesStuck,
    MatchesPrevious,
    MatchesBoth,
    Neither,
    Missing,
}

/// <summary>A field the manifest sets to <see cref="Expected"/> while the live object has <see cref="Live"/> (null: absent).</summary>
public sealed record FieldMismatch(string Path, JsonNode? Expected, JsonNode? Live);

/// <summary>
/// How the live object compares with each revision's manifest. The mismatch lists are empty when that revision
/// does not render the resource or the object is missing.
/// </summary>
public sealed record LiveComparison(
    LiveState State,
    IReadOnlyList<FieldMismatch> StuckMismatches,
    IReadOnlyList<FieldMismatch> PreviousMismatches);

/// <summary>
/// Compares a live object with the manifests, looking only at the fields a manifest sets, so whatever the server
/// adds (status, managedFields, defaults, its own labels and annotations) is ignored. Rules:
/// <list type="bullet">
/// <item>A null in the manifest means "not set"; an empty object or list matches an absent live field (the API
/// omits empty fields).</item>
/// <item>Lists whose items all have a unique <c>name</c> are matched by name, other lists by position; either way
/// the live list must hold the same items, so an item added or removed between revisions is seen.</item>
/// <item>A manifest number equals a live string of the same text, because the API serves quantities such as
/// <c>cpu: 1</c> as <c>"1"</c>. No other coercion is made: quantities the API normalises (<c>cpu: 0.5</c> served as
/// <c>"500m"</c>) are reported as differences.</item>
/// <item>Top-level <c>status</c> and server-owned metadata (<c>managedFields</c>, <c>resourceVersion</c>,
/// <c>uid</c>, <c>creationTimestamp</c>, <c>generation</c>, <c>selfLink</c>) are never compared.</item>
/// </list>
/// </summary>
public static class LiveStateComparer
{
    public static LiveComparison Compare(ResourceDiff resource, JsonObject? live)
    {
        if (live is null)
        {
            return new LiveComparison(LiveState.Missing, [], []);
        }

        var stuckMismatches = resource.Stuck is null ? null : Mismatches(resource.Stuck.Body, live);
        var previousMismatches = resource.Previous is null ? null : Mismatches(resource.Previous.Body, live);
        var matchesStuck = stuckMismatches is { Count: 0 };
        var matchesPrevious = previousMismatches is { Count: 0 };
        var state = (matchesStuck, matchesPrevious) switch
        {
            (true, true) => LiveState.MatchesBoth,
            (true, false) => LiveState.MatchesStuck,
            (false, true) => LiveState.MatchesPrevious,
            _ => LiveState.Neither,
        };
        return new LiveComparison(state, stuckMismatches ?? [], previousMismatches ?? []);
    }

    /// <summary>The fields <paramref name="manifest"/> sets that <paramref name="live"/> does not hold.</summary>
    public static IReadOnlyList<FieldMismatch> Mismatches(JsonObject manifest, JsonObject live)
    {
        var mismatches = new List<FieldMismatch>();
        CompareObject(RevisionDiffCalculator.WithoutServerOwnedFields(manifest), live, "", mismatches);
        return mismatches;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<FieldMismatch> mismatches)
    {
        switch (expected)
        {
            case null:
                return;
            case JsonObject { Count: 0 } or JsonArray { Count: 0 } when actual is null:
                return;
            case JsonObject expectedObject when actual is JsonObject actualObject:
                CompareObject(expectedObject, actualObject, path, mismatches);
                return;
            case JsonArray expectedList when actual is JsonArray actualList
                                             && NamedList.TryGetNames(expectedList, out var expectedNames)
                                             && NamedList.TryGetNames(actualList, out var actualNames):
                CompareNamedList(expectedList, expectedNames, actualList, actualNames, path, mismatches);
                return;
            case JsonArray expectedList when actual is JsonArray actualList && expectedList.Count == actualList.Count:
                for (var index = 0; index < expectedList.Count; index++)
                {
                    Compare(expectedList[index], actualList[index], FieldPath.Index(path, index), mismatches);
                }

                return;
            case JsonValue expectedValue when actual is JsonValue actualValue && ScalarEquals(expectedValue, actualValue):
                return;
            default:
                mismatches.Add(new FieldMismatch(path, expected.DeepClone(), actual?.DeepClone()));
                return;
        }
    }

    /// <summary>
    /// Matches items by name. A live item the manifest does not name is a difference too, so that a container or
    /// variable one revision adds is told apart from the revision without it.
    /// </summary>
    private static void CompareNamedList(
        JsonArray expected, IReadOnlyList<string> expectedNames, JsonArray actual, IReadOnlyList<string> actualNames,
        string path, List<FieldMismatch> mismatches)
    {
        var actualByName = actualNames.Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => actual[pair.index]);
        for (var index = 0; index < expected.Count; index++)
        {
            var name = expectedNames[index];
            Compare(expected[index], actualByName.GetValueOrDefault(name), FieldPath.Named(path, name), mismatches);
        }

        for (var index = 0; index < actual.Count; index++)
        {
            if (!expectedNames.Contains(actualNames[index]))
            {
                mismatches.Add(new FieldMismatch(FieldPath.Named(path, actualNames[index]), null, actual[index]!.DeepClone()));
            }
        }
    }

    private static void CompareObject(JsonObject expected, JsonObject actual, string path, List<FieldMismatch> mismatches)
    {
        foreach (var (key, value) in expected)
        {
            Compare(value, actual[key], FieldPath.Property(path, key), mismatches);
        }
    }

    private static bool ScalarEquals(JsonValue expected, JsonValue actual)
    {
        if (JsonNode.DeepEquals(expected, actual))
        {
            return true;
        }

        var expectedIsNumber = expected.GetValueKind() == System.Text.Json.JsonValueKind.Number;
        return expectedIsNumber && actual.TryGetValue<string>(out var text) && NumberText(expected) == text;
    }

    private static string NumberText(JsonValue number) =>
        number.TryGetValue<long>(out var integer)
            ? integer.ToString(CultureInfo.InvariantCulture)
            : number.GetValue<double>().ToString(CultureInfo.InvariantCulture);
}
