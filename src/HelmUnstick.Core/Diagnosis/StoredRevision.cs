using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>
/// One release storage object (a Secret or a ConfigMap, by the driver) as read from the cluster: its identity (for preconditions), its labels, and its decoded
/// payload, or why the payload could not be decoded; and when the object itself was written.
/// </summary>
public sealed record StoredRevision(
    string ObjectName,
    string Namespace,
    string? Uid,
    string? ResourceVersion,
    IReadOnlyDictionary<string, string> Labels,
    HelmRelease? Release,
    string? DecodeError = null)
{
    public const string ObjectNamePrefix = "sh.helm.release.v1.";

    /// <summary>
    /// When the storage object was written, as read with it (its creationTimestamp and every managedFields time):
    /// when a helm last wrote the revision, for the liveness verdict without reading the object again.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> StorageWrites { get; init; } = [];

    public static string ObjectNameFor(string release, int revision) => $"{ObjectNamePrefix}{release}.v{revision}";

    public string? LabelStatus => Labels.TryGetValue("status", out var s) ? s : null;

    public string ReleaseName => Release?.Name is { Length: > 0 } n ? n : Labels.GetValueOrDefault("name", "");

    /// <summary>The payload's version decides (as in Helm); the label only stands in for an unreadable payload.</summary>
    public int Revision =>
        Release?.Version is > 0 and var v ? v
        : int.TryParse(Labels.GetValueOrDefault("version"), out var l) ? l : 0;

    public ReleaseStatus Status => Release?.Status ?? ReleaseStatus.Unknown;
}
