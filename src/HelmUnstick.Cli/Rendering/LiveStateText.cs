using HelmUnstick.Engine.Explain;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// What the cluster runs, grouped into one sentence: how many of the changed objects already run the stuck revision,
/// how many still run the previous one, and which match neither. Objects are named only in small groups.
/// </summary>
internal static class LiveStateText
{
    private const int NamedUpTo = 4;

    public static string Grouped(ExplainedRelease explained)
    {
        var explanation = explained.Explanation;
        var stuck = explanation.StuckRevision;
        var changed = explanation.Resources.Where(r => r.Change != ResourceChange.Unchanged).ToList();
        var applied = changed.Where(ReleaseExplainer.IsAlreadyApplied).ToList();
        var notApplied = changed.Where(ReleaseExplainer.IsNotApplied).ToList();
        var neither = changed.Except(applied).Except(notApplied).ToList();
        var drifted = explanation.Resources.Where(r => r.Change == ResourceChange.Unchanged && r.Live is LiveState.Neither or LiveState.Missing).ToList();

        var parts = new List<string>();
        if (changed.Count == 0)
        {
            parts.Add($"revisions {explanation.PreviousRevision} and {stuck} render the same objects");
        }
        else
        {
            parts.Add(changed.Count == 1 && applied.Count == 1 ? $"the only changed object already runs revision {stuck}{Named(applied)}"
                : applied.Count == changed.Count ? $"all {changed.Count} changed objects already run revision {stuck}{Named(applied)}"
                : applied.Count == 0 ? $"none of the {Objects(changed.Count, "changed")} runs revision {stuck} yet"
                : $"{applied.Count} of {Objects(changed.Count, "changed")} already {Run(applied.Count)} revision {stuck}{Named(applied)}");
            if (notApplied.Count > 0)
            {
                // A first install has no earlier revision: what it has not applied is simply not there yet.
                parts.Add(explained.Previous is null
                    ? $"{notApplied.Count} {(notApplied.Count == 1 ? "is" : "are")} not on the cluster yet{Named(notApplied)}"
                    : $"{notApplied.Count} still {Run(notApplied.Count)} {explanation.PreviousRevision}{Named(notApplied)}");
            }

            if (neither.Count > 0)
            {
                parts.Add($"{neither.Count} {(neither.Count == 1 ? "matches" : "match")} neither revision{Named(neither)}");
            }
        }

        if (drifted.Count > 0)
        {
            parts.Add($"{Objects(drifted.Count, "unchanged")} {(drifted.Count == 1 ? "differs" : "differ")} from the cluster{Named(drifted)}");
        }

        var sentence = string.Join("; ", parts);
        return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
    }

    /// <summary>True when the objects are in the same groups as before, so printing them again would say nothing new.</summary>
    public static bool SameAs(ExplainedRelease before, ExplainedRelease after) =>
        before.Explanation.Resources.Select(r => (r.Key, r.Live)).SequenceEqual(after.Explanation.Resources.Select(r => (r.Key, r.Live)));

    /// <summary>What the next deploy will report, for the step after the fix.</summary>
    public static string NextUpgrade(ExplainedRelease explained)
    {
        var changed = explained.Explanation.Resources.Where(r => r.Change != ResourceChange.Unchanged).ToList();
        var applied = changed.Count(ReleaseExplainer.IsAlreadyApplied);
        return changed.Count == 0 ? "expect Helm to report no changed objects"
            : applied == 0 ? $"expect Helm to report {Objects(changed.Count, "changed")}, all applied for the first time"
            : applied == changed.Count ? $"expect Helm to report {Objects(changed.Count, "changed")}, {(applied == 1 ? "which applies" : "all of which apply")} nothing new"
            : $"expect Helm to report {Objects(changed.Count, "changed")}, {applied} of which {(applied == 1 ? "applies" : "apply")} nothing new";
    }

    private static string Run(int count) => count == 1 ? "runs" : "run";

    private static string Objects(int count, string adjective) => count == 1 ? $"1 {adjective} object" : $"{count} {adjective} objects";

    /// <summary>" (Deployment a, b; ConfigMap c)" for a small group; nothing for a large one.</summary>
    private static string Named(IReadOnlyCollection<ExplainedResource> group) =>
        group.Count is 0 or > NamedUpTo
            ? ""
            : " (" + string.Join("; ", group.GroupBy(r => r.Key.Kind).Select(kind => $"{kind.Key} {string.Join(", ", kind.Select(r => r.Key.Name))}")) + ")";
}
