using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>Turns a <see cref="RevisionDiff"/> and the live objects into a <see cref="ReleaseExplanation"/>.</summary>
public static class ReleaseExplainer
{
    private const int PathsNamedInSentence = 3;

    /// <param name="liveObjects">The live object of each resource of <paramref name="diff"/> that exists on the
    /// cluster; a resource absent from the dictionary is missing.</param>
    /// <param name="showValues">False hides user values and any manifest or live value that may hold one.</param>
    public static ReleaseExplanation Explain(
        RevisionDiff diff, IReadOnlyDictionary<ResourceKey, JsonObject> liveObjects, bool showValues)
    {
        var redactor = new ValueRedactor(showValues, diff.Stuck.Values, diff.Previous.Values);
        var values = diff.Values
            .Select(change => Shown(change, hidden: !redactor.ShowsValues))
            .ToList();
        var resources = diff.Resources
            .Select(resource => Explain(diff, resource, liveObjects.GetValueOrDefault(resource.Key), redactor))
            .ToList();
        return new ReleaseExplanation(
            diff.StuckRevision, diff.PreviousRevision, diff.Chart, values, resources, Summary(diff, resources), showValues);
    }

    private static ExplainedResource Explain(RevisionDiff diff, ResourceDiff resource, JsonObject? live, ValueRedactor redactor)
    {
        var comparison = LiveStateComparer.Compare(resource, live);
        var kind = resource.Key.Kind;
        var fields = resource.Fields
            .Select(change => Shown(change, redactor.HidesManifestValue(kind, change.Path, change.Previous)
                                           || redactor.HidesManifestValue(kind, change.Path, change.Stuck)))
            .ToList();
        var liveDifferences = comparison.State == LiveState.Neither
            ? comparison.StuckMismatches.Select(mismatch => Shown(mismatch, diff.StuckRevision, kind, redactor))
                .Concat(comparison.PreviousMismatches.Select(mismatch => Shown(mismatch, diff.PreviousRevision, kind, redactor)))
                .ToList()
            : [];
        var apiVersion = (resource.Stuck ?? resource.Previous)!.ApiVersion;
        return new ExplainedResource(
            resource.Key, apiVersion, resource.Change, comparison.State, fields, liveDifferences,
            Sentence(diff, resource, comparison));
    }

    private static ExplainedField Shown(FieldChange change, bool hidden) => hidden
        ? new ExplainedField(change.Path, change.Kind,
            change.Kind == FieldChangeKind.Added ? null : ValueRedactor.Hidden,
            change.Kind == FieldChangeKind.Removed ? null : ValueRedactor.Hidden, Hidden: true)
        : new ExplainedField(change.Path, change.Kind, change.Previous?.DeepClone(), change.Stuck?.DeepClone(), Hidden: false);

    private static LiveDifference Shown(FieldMismatch mismatch, int revision, string kind, ValueRedactor redactor)
    {
        var hidden = redactor.HidesManifestValue(kind, mismatch.Path, mismatch.Expected)
                     || redactor.HidesManifestValue(kind, mismatch.Path, mismatch.Live);
        return hidden
            ? new LiveDifference(mismatch.Path, revision, ValueRedactor.Hidden, mismatch.Live is null ? null : ValueRedactor.Hidden, Hidden: true)
            : new LiveDifference(mismatch.Path, revision, mismatch.Expected?.DeepClone(), mismatch.Live?.DeepClone(), Hidden: false);
    }

    /// <summary>One plain sentence per resource. Sentences name fields, never values, so they are always safe to print.</summary>
    private static string Sentence(RevisionDiff diff, ResourceDiff resource, LiveComparison comparison)
    {
        var subject = $"{resource.Key.Kind} {resource.Key.Name}";
        var stuck = diff.StuckRevision;
        var previous = diff.PreviousRevision;
        const string ShowsButChangesNothing =
            "The next `helm upgrade --dry-run` will show this as a change; applying it will change nothing on the cluster.";
        var changedFields = resource.Fields.Select(field => field.Path).ToList();
        var stuckDifferences = comparison.StuckMismatches.Select(mismatch => mismatch.Path).ToList();
        var previousDifferences = comparison.PreviousMismatches.Select(mismatch => mismatch.Path).ToList();

        return (resource.Change, comparison.State) switch
        {
            (ResourceChange.Changed, LiveState.MatchesStuck or LiveState.MatchesBoth) =>
                $"{subject}: the live {Fields(changedFields)} {IsOrAre(changedFields)} revision {stuck}'s (the stuck one). {ShowsButChangesNothing}",
            (ResourceChange.Changed, LiveState.MatchesPrevious) =>
                $"{subject}: the live {Fields(changedFields)} {IsOrAre(changedFields)} still revision {previous}'s; revision {stuck} never reached it. The next upgrade will show and apply this change.",
            (ResourceChange.Changed, LiveState.Neither) =>
                $"{subject}: the live object matches neither revision {stuck} (differs at {Fields(stuckDifferences)}) nor revision {previous} (differs at {Fields(previousDifferences)}); it was changed outside Helm or only partly updated. The next upgrade will overwrite those fields.",
            (ResourceChange.Changed, _) =>
                $"{subject}: missing from the cluster although revisions {previous} and {stuck} both render it. The next upgrade will create it.",
            (ResourceChange.Added, LiveState.MatchesStuck or LiveState.MatchesBoth) =>
                $"{subject}: added by revision {stuck} and already created on the cluster. The next `helm upgrade --dry-run` will show it as new; applying it will change nothing on the cluster.",
            (ResourceChange.Added, LiveState.Missing) =>
                $"{subject}: added by revision {stuck} and not created yet. The next upgrade will create it.",
            (ResourceChange.Added, _) =>
                $"{subject}: added by revision {stuck}; an object of that name exists but differs at {Fields(stuckDifferences)}. The next upgrade will overwrite those fields.",
            (ResourceChange.Removed, LiveState.Missing) =>
                $"{subject}: removed by revision {stuck} and already deleted from the cluster. The next `helm upgrade --dry-run` will show it as removed; there is nothing left to delete.",
            (ResourceChange.Removed, LiveState.MatchesPrevious or LiveState.MatchesBoth) =>
                $"{subject}: removed by revision {stuck} but still on the cluster as revision {previous} left it. The next upgrade will delete it.",
            (ResourceChange.Removed, _) =>
                $"{subject}: removed by revision {stuck}, still on the cluster and changed since revision {previous} (differs at {Fields(previousDifferences)}). The next upgrade will delete it.",
            (_, LiveState.MatchesBoth or LiveState.MatchesStuck or LiveState.MatchesPrevious) =>
                $"{subject}: the same in revisions {previous} and {stuck}, and the cluster matches. The next upgrade will not show it.",
            (_, LiveState.Missing) =>
                $"{subject}: the same in revisions {previous} and {stuck} but missing from the cluster. The next upgrade will create it again.",
            _ =>
                $"{subject}: the same in revisions {previous} and {stuck}, but the live object differs at {Fields(stuckDifferences)} (changed outside Helm). The next upgrade's dry run will not show it, but applying it may set those fields back.",
        };
    }

    private static string Summary(RevisionDiff diff, IReadOnlyList<ExplainedResource> resources)
    {
        var stuck = diff.StuckRevision;
        var previous = diff.PreviousRevision;
        var differing = resources.Where(resource => resource.Change != ResourceChange.Unchanged).ToList();
        var alreadyApplied = differing.Count(IsAlreadyApplied);
        var notApplied = differing.Count(IsNotApplied);
        var elsewhere = differing.Count - alreadyApplied - notApplied;
        var drifted = resources.Count(resource => resource.Change == ResourceChange.Unchanged
                                                  && resource.Live is LiveState.Neither or LiveState.Missing);

        var summary = differing.Count switch
        {
            0 => $"Revisions {previous} and {stuck} render the same resources; the next upgrade will show no resource changes because of the removed revision.",
            _ when alreadyApplied == differing.Count =>
                $"The cluster already runs revision {stuck}'s spec for {All(differing.Count)}; the next upgrade will show {Them(differing.Count)} as {Changes(differing.Count)} but apply nothing new to {Them(differing.Count)}.",
            _ when notApplied == differing.Count =>
                $"The cluster still runs revision {previous} for {All(differing.Count)}: revision {stuck} was never applied, and the next upgrade will apply its changes.",
            _ when alreadyApplied > 0 =>
                $"The cluster already runs revision {stuck}'s spec for {alreadyApplied} of {Resources(differing.Count, "changed")}; the next upgrade will show {Them(alreadyApplied)} as {Changes(alreadyApplied)} but apply nothing new to {Them(alreadyApplied)}."
                + Remaining(notApplied, elsewhere, previous),
            _ => $"The cluster runs revision {stuck}'s spec for none of the {Resources(differing.Count, "changed")}."
                 + Remaining(notApplied, elsewhere, previous),
        };

        return drifted == 0
            ? summary
            : $"{summary} {Capitalised(Resources(drifted, "unchanged"))} between the revisions {(drifted == 1 ? "differs" : "differ")} from the cluster.";
    }

    private static string Remaining(int notApplied, int elsewhere, int previous)
    {
        var parts = new List<string>();
        if (notApplied > 0)
        {
            parts.Add($"{notApplied} still {(notApplied == 1 ? "runs" : "run")} revision {previous}'s and will be changed");
        }

        if (elsewhere > 0)
        {
            parts.Add($"{elsewhere} {(elsewhere == 1 ? "matches" : "match")} neither revision and will be overwritten");
        }

        return $" {Capitalised(string.Join("; ", parts))}.";
    }

    /// <summary>True when the cluster already holds what the stuck revision wanted for this resource.</summary>
    public static bool IsAlreadyApplied(ExplainedResource resource) => (resource.Change, resource.Live) switch
    {
        (ResourceChange.Changed or ResourceChange.Added, LiveState.MatchesStuck or LiveState.MatchesBoth) => true,
        (ResourceChange.Removed, LiveState.Missing) => true,
        _ => false,
    };

    private static bool IsNotApplied(ExplainedResource resource) => (resource.Change, resource.Live) switch
    {
        (ResourceChange.Changed or ResourceChange.Removed, LiveState.MatchesPrevious) => true,
        (ResourceChange.Added, LiveState.Missing) => true,
        _ => false,
    };

    private static string Them(int count) => count == 1 ? "it" : "them";

    private static string Changes(int count) => count == 1 ? "a change" : "changes";

    private static string All(int count) =>
        count == 1 ? "the 1 changed resource" : $"all {count} changed resources";

    private static string Resources(int count, string adjective) =>
        count == 1 ? $"1 {adjective} resource" : $"{count} {adjective} resources";

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string IsOrAre(IReadOnlyList<string> paths) => paths.Count == 1 ? "is" : "are";

    private static string Fields(IReadOnlyList<string> paths) => paths.Count switch
    {
        0 => "fields",
        1 => paths[0],
        <= PathsNamedInSentence => $"{string.Join(", ", paths.Take(paths.Count - 1))} and {paths[^1]}",
        _ => $"{string.Join(", ", paths.Take(PathsNamedInSentence))} and {paths.Count - PathsNamedInSentence} more fields",
    };
}
