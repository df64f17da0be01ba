using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>
/// The odd shapes a release history can take after killed helm processes, each explained in one line with what
/// Helm will do about it: they change what unsticking means, or say that it is not ours to do.
/// </summary>
internal static class ReleaseShapes
{
    private static ReleaseAnomaly Shape(string secretName, string message) => new(secretName, message, AnomalyKind.Shape);

    public static IEnumerable<ReleaseAnomaly> Explain(ReleaseHistory history)
    {
        var readable = history.Revisions.Where(r => r.Release is not null).ToList();
        var latest = history.Latest;
        if (latest?.Release is null)
        {
            yield break;
        }

        var pending = readable.Where(r => r.Status.IsPending()).ToList();
        if (latest.Status == ReleaseStatus.PendingInstall && readable.Count == 1)
        {
            yield return Shape(latest.ObjectName,
                $"stuck first install: deleting revision {latest.Revision} makes Helm forget the release (the next helm upgrade --install " +
                "installs again and adopts the objects already there); marking it failed keeps it (the next helm upgrade --install upgrades it)");
        }

        if (pending.Count > 1)
        {
            yield return Shape(pending[^1].ObjectName,
                $"{pending.Count} revisions are pending ({string.Join(", ", pending.Select(p => p.Revision))}): the older ones were left by " +
                $"earlier interrupted operations; only the newest ({latest.Revision}) decides whether Helm refuses");
        }

        foreach (var below in pending.Where(p => p != latest))
        {
            if (readable.FirstOrDefault(r => r.Revision > below.Revision && r.Status == ReleaseStatus.Deployed) is { } deployed)
            {
                yield return Shape(below.ObjectName,
                    $"revision {below.Revision} is {below.Status.ToHelmName()} below deployed revision {deployed.Revision}: a leftover that does not " +
                    "lock the release (Helm only looks at the newest revision)");
            }
        }

        if (latest.Status == ReleaseStatus.Uninstalling)
        {
            yield return Shape(latest.ObjectName,
                $"revision {latest.Revision} is uninstalling: a helm uninstall was interrupted; run helm uninstall {history.Release} " +
                $"-n {history.Namespace} again to finish it (helm-unstick does not change an uninstalling release)");
        }

        if (latest.Status.IsPending() && readable.Count > 1)
        {
            var rest = history.Without(latest);
            if (rest.LatestDeployed is null)
            {
                var outlook = HelmOutlook.For(rest);
                yield return Shape(latest.ObjectName, outlook.NextUpgradeDiffsAgainst is { } basis
                    ? $"no revision below {latest.Revision} is deployed: once it is gone, Helm's next upgrade diffs against revision {basis} " +
                      $"({rest.Revisions.Single(r => r.Revision == basis).Release!.StatusText}), the newest, as Helm falls back to it when it failed or was superseded"
                    : $"no revision below {latest.Revision} is deployed, and the newest is neither failed nor superseded: once it is gone, " +
                      $"Helm's next upgrade fails with \"has no deployed releases\"");
            }
        }
        else if (!latest.Status.IsPending() && history.LatestDeployed is null && latest.Status is ReleaseStatus.Failed or ReleaseStatus.Superseded)
        {
            yield return Shape(latest.ObjectName,
                $"no revision is deployed: Helm's next upgrade diffs against revision {latest.Revision} ({latest.Release.StatusText}), the newest, " +
                "as Helm falls back to it when it failed or was superseded");
        }
    }
}
