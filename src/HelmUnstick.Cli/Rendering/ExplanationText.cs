using System.Text.Json.Nodes;
using HelmUnstick.Engine.Explain;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Cli.Rendering;

/// <summary>The explanation as terminal text: for <c>explain</c>, and every object inside <c>fix</c>'s plan with <c>-v</c>.</summary>
internal static class ExplanationText
{
    /// <summary>
    /// <c>explain</c>: what the next upgrade will show, the chart and values, and the live state grouped; with
    /// <paramref name="verbose"/> also every object, its change and its live state.
    /// </summary>
    public static void Write(CliEnvironment env, ExplainedRelease explained, bool verbose)
    {
        var explanation = explained.Explanation;
        env.WriteData(explained.Heading);
        env.WriteData($"Next upgrade: {explanation.Summary}");
        env.WriteData($"Chart: {ChartLine(explained)}");
        env.WriteData($"Values: {ValuesLine(explanation)}");
        if (verbose || explanation.ValuesShown)
        {
            foreach (var value in explanation.Values)
            {
                env.WriteData($"  {FieldLine(value)}");
            }
        }

        env.WriteData($"Live: {LiveStateText.Grouped(explained)}");
        if (!verbose)
        {
            env.WriteData($"-v lists all {explanation.Resources.Count} objects with their change and live state.");
            return;
        }

        env.WriteData("");
        if (explanation.Resources.Count == 0)
        {
            env.WriteData("No resources in either manifest.");
            return;
        }

        // The names the JSON uses, so table and JSON read the same.
        var table = Tables.Plain("KIND", "NAME", "CHANGE", "LIVE");
        foreach (var resource in explanation.Resources)
        {
            table.AddRow([resource.Key.Kind, resource.Key.Name, ReleaseExplanation.JsonName(resource.Change), ReleaseExplanation.JsonName(resource.Live)]);
        }

        env.Console.Write(table);
        env.WriteData("");
        WriteObjects(env, explained, "");
    }

    /// <summary>Every object: its sentence, and each field where the cluster differs from the revision it follows.</summary>
    public static void WriteObjects(CliEnvironment env, ExplainedRelease explained, string indent)
    {
        foreach (var resource in explained.Explanation.Resources)
        {
            env.WriteData($"{indent}- {resource.Sentence}");
            foreach (var difference in resource.LiveDifferences)
            {
                env.WriteData($"{indent}    {difference.Path}: revision {difference.Revision} sets {Value(difference.Expected)}, the cluster has {Value(difference.Live)}");
            }
        }
    }

    public static string ChartLine(ExplainedRelease explained)
    {
        var chart = explained.Explanation.Chart;
        var stuck = ChartText(chart.StuckName, chart.StuckVersion, chart.StuckAppVersion);
        return explained.Previous is null ? $"{stuck} (first revision)"
            : chart.IsChanged ? $"{ChartText(chart.PreviousName, chart.PreviousVersion, chart.PreviousAppVersion)} -> {stuck}"
            : $"{stuck}, unchanged";
    }

    /// <summary>One chart as both the terminal and the incident note name it: name, version and app version.</summary>
    public static string ChartText(string name, string version, string? appVersion) =>
        appVersion is null ? $"{name} {version}" : $"{name} {version} (app {appVersion})";

    private static string ValuesLine(ReleaseExplanation explanation)
    {
        var count = explanation.Values.Count switch
        {
            0 => "unchanged",
            1 => "1 key changed",
            var n => $"{n} keys changed",
        };
        return explanation.Values.Count > 0 && !explanation.ValuesShown ? $"{count} (values hidden; --show-values shows them)" : count;
    }

    private static string FieldLine(ExplainedField field) => field.Hidden
        ? $"{field.Path}: {field.Kind.ToString().ToLowerInvariant()}"
        : field.Kind switch
        {
            FieldChangeKind.Added => $"{field.Path}: added, {Value(field.Stuck)}",
            FieldChangeKind.Removed => $"{field.Path}: removed, was {Value(field.Previous)}",
            _ => $"{field.Path}: {Value(field.Previous)} -> {Value(field.Stuck)}",
        };

    private static string Value(JsonNode? value) => value switch
    {
        null => "nothing",
        JsonValue text when text.TryGetValue<string>(out var shown) && shown == "(hidden)" => shown,
        _ => value.ToJsonString(),
    };
}
