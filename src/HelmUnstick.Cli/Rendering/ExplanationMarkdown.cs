using System.Text;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// Renders the revision-diff section of an incident note: summary, chart, values, one table row per resource, the
/// plain-words sentences and next steps. The surrounding note (timeline, checks, backup) is composed by the caller.
/// </summary>
internal static class ExplanationMarkdown
{
    public static string Render(ReleaseExplanation explanation)
    {
        var stuck = explanation.StuckRevision;
        var previous = explanation.PreviousRevision;
        var text = new StringBuilder();
        text.AppendLine($"## Revision {stuck} (stuck) compared with revision {previous}");
        text.AppendLine();
        text.AppendLine(explanation.Summary);
        text.AppendLine();
        text.AppendLine($"- Chart: {Chart(explanation.Chart)}");
        text.AppendLine($"- User values: {ValuesLine(explanation)}");
        foreach (var value in explanation.Values)
        {
            text.AppendLine($"  - {Change(value)}");
        }

        text.AppendLine();
        text.AppendLine("| Resource | Between the revisions | On the cluster | Fields |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var resource in explanation.Resources)
        {
            var fields = resource.Fields.Count == 0
                ? ""
                : string.Join("<br>", resource.Fields.Select(Change));
            text.AppendLine($"| {Markdown.Cell(resource.Key.ToString())} | {ReleaseExplanation.JsonName(resource.Change)} | "
                            + $"{ReleaseExplanation.JsonName(resource.Live)} | {Markdown.Cell(fields)} |");
        }

        text.AppendLine();
        foreach (var resource in explanation.Resources)
        {
            text.AppendLine($"- {resource.Sentence}");
            foreach (var difference in resource.LiveDifferences)
            {
                text.AppendLine($"  - `{difference.Path}`: revision {difference.Revision} sets {Value(difference.Expected)}, "
                                + $"the cluster has {Value(difference.Live)}");
            }
        }

        text.AppendLine();
        Markdown.AppendList(text, "### Next steps", NextSteps(explanation));

        return text.ToString();
    }

    private static IEnumerable<string> NextSteps(ReleaseExplanation explanation)
    {
        var stuck = explanation.StuckRevision;
        var previous = explanation.PreviousRevision;
        yield return $"Once revision {stuck} is removed or marked failed, check that `helm history` lists revision {previous} as deployed and no revision as pending.";
        yield return $"Re-run the last failed CI job (or the same `helm upgrade`): it creates revision {stuck} again from revision {previous}.";
        if (explanation.Resources.Any(ReleaseExplainer.IsAlreadyApplied))
        {
            yield return $"Expect its `--dry-run` to list the changes above even where the cluster already runs revision {stuck}'s spec; applying them changes nothing there.";
        }

        var overwritten = explanation.Resources
            .Where(resource => resource.Live == LiveState.Neither)
            .Select(resource => $"{resource.Key.Kind} {resource.Key.Name}")
            .ToList();
        if (overwritten.Count > 0)
        {
            var (they, them) = overwritten.Count == 1 ? ("it matches", "it") : ("they match", "them");
            yield return $"Before upgrading, look at {string.Join(", ", overwritten)} on the cluster: {they} neither revision, and the upgrade will overwrite {them}.";
        }

        if (!explanation.ValuesShown && (explanation.Values.Count > 0 || explanation.Resources.Any(resource => resource.Fields.Any(field => field.Hidden))))
        {
            yield return "Values are hidden; run again with `--show-values` to see them.";
        }
    }

    private static string Chart(ChartChange chart)
    {
        var previous = ExplanationText.ChartText(chart.PreviousName, chart.PreviousVersion, chart.PreviousAppVersion);
        var stuck = ExplanationText.ChartText(chart.StuckName, chart.StuckVersion, chart.StuckAppVersion);
        return chart.IsChanged ? $"{previous} → {stuck}" : $"{stuck}, unchanged";
    }

    private static string ValuesLine(ReleaseExplanation explanation) => explanation.Values.Count switch
    {
        0 => "unchanged",
        1 => "1 key changed",
        var count => $"{count} keys changed",
    };

    private static string Change(ExplainedField field) => field.Kind switch
    {
        FieldChangeKind.Added => $"`{field.Path}`: added, {Value(field.Stuck)}",
        FieldChangeKind.Removed => $"`{field.Path}`: removed, was {Value(field.Previous)}",
        _ => $"`{field.Path}`: {Value(field.Previous)} → {Value(field.Stuck)}",
    };

    private static string Value(JsonNode? value) => value switch
    {
        null => "nothing",
        JsonValue text when text.TryGetValue<string>(out var shown) && shown == ReleaseExplanation.HiddenValue => ReleaseExplanation.HiddenValue,
        _ => $"`{value.ToJsonString()}`",
    };
}
