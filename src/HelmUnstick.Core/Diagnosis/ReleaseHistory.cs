
namespace HelmUnstick.Core.Diagnosis;

/// <summary>All revisions of one release, oldest first, ordered by the payload's version as Helm orders them.</summary>
public sealed class ReleaseHistory
{
    public ReleaseHistory(string release, string @namespace, IEnumerable<StoredRevision> revisions)
    {
        Release = release;
        Namespace = @namespace;
        Revisions = revisions.OrderBy(r => r.Revision).ThenBy(r => r.ObjectName, StringComparer.Ordinal).ToList();
    }

    public string Release { get; }

    public string Namespace { get; }

    public IReadOnlyList<StoredRevision> Revisions { get; }

    public StoredRevision? Latest => Revisions.Count == 0 ? null : Revisions[^1];

    /// <summary>
    /// The newest readable revision labelled deployed: Helm finds "the deployed release" with the label selector
    /// <c>status=deployed</c>, so the label decides here, not the payload.
    /// </summary>
    public StoredRevision? LatestDeployed => Revisions.LastOrDefault(r => r.Release is not null && r.LabelStatus == "deployed");

    public ReleaseHistory Without(StoredRevision revision) =>
        new(Release, Namespace, Revisions.Where(r => r.ObjectName != revision.ObjectName));

    public ReleaseHistory With(StoredRevision replacement) =>
        new(Release, Namespace, Revisions.Select(r => r.ObjectName == replacement.ObjectName ? replacement : r));

    /// <summary>Groups Secrets of possibly many releases into one history per (namespace, release).</summary>
    public static IReadOnlyList<ReleaseHistory> GroupByRelease(IEnumerable<StoredRevision> revisions) =>
        revisions
            .GroupBy(r => (r.Namespace, r.ReleaseName))
            .OrderBy(g => g.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(g => g.Key.ReleaseName, StringComparer.Ordinal)
            .Select(g => new ReleaseHistory(g.Key.ReleaseName, g.Key.Namespace, g))
            .ToList();
}
