using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

public enum FieldChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>
/// One field that differs from the previous revision to the stuck one: <see cref="Previous"/> is null when the field
/// is added, <see cref="Stuck"/> when it is removed. A list merged by name appears as a list, never keyed by name.
/// </summary>
public sealed record FieldChange(string Path, FieldChangeKind Kind, JsonNode? Previous, JsonNode? Stuck);

public enum ResourceChange
{
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// <summary>One resource of either manifest, and how it differs from the previous revision to the stuck one.</summary>
public sealed record ResourceDiff(
    ResourceKey Key,
    ResourceChange Change,
    ManifestResource? Previous,
    ManifestResource? Stuck,
    IReadOnlyList<FieldChange> Fields);

public sealed record ChartChange(
    string PreviousName,
    string PreviousVersion,
    string? PreviousAppVersion,
    string StuckName,
    string StuckVersion,
    string? StuckAppVersion)
{
    public bool IsChanged =>
        PreviousName != StuckName || PreviousVersion != StuckVersion || PreviousAppVersion != StuckAppVersion;
}

/// <summary>
/// What separates the stuck revision N from the revision Helm will diff against next (the newest deployed one,
/// usually N-1). Values are raw here; <see cref="ReleaseExplainer"/> hides them for display.
/// </summary>
public sealed record RevisionDiff(
    RevisionSnapshot Stuck,
    RevisionSnapshot Previous,
    ChartChange Chart,
    IReadOnlyList<FieldChange> Values,
    IReadOnlyList<ResourceDiff> Resources)
{
    public int StuckRevision => Stuck.Revision;

    public int PreviousRevision => Previous.Revision;
}
