using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>
/// What Helm will do with a release history, following Helm 3/4's own rules: <c>helm status</c> shows the
/// highest revision; <c>helm upgrade</c> refuses when that one is pending, otherwise it creates highest+1 and
/// diffs against the newest deployed revision (or, when none is deployed, the newest one).
/// </summary>
public sealed record HelmOutlook(
    bool UpgradeCanProceed,
    int? StatusShowsRevision,
    string? StatusShows,
    int? NextRevision,
    int? NextUpgradeDiffsAgainst,
    string Summary)
{
    public static HelmOutlook For(ReleaseHistory history)
    {
        var latest = history.Latest;
        if (latest is null)
        {
            return new(false, null, null, null, null,
                $"helm status: release not found. helm upgrade: \"{history.Release}\" has no deployed releases; " +
                "use helm upgrade --install (or helm install), which adopts the objects that already exist.");
        }

        var status = latest.Release?.StatusText ?? "unreadable";
        if (latest.Release is null)
        {
            return new(false, latest.Revision, status, null, null,
                $"revision {latest.Revision}'s payload cannot be decoded: Helm skips it, and its next revision would collide with " +
                $"Secret {latest.ObjectName}; inspect that Secret by hand.");
        }

        if (latest.Status.IsPending())
        {
            return new(false, latest.Revision, status, null, null,
                $"helm status shows revision {latest.Revision} ({status}); helm upgrade fails: " +
                "another operation (install/upgrade/rollback) is in progress.");
        }

        // Helm's upgrade: the newest revision if it is deployed, else the one labelled deployed; with none, it
        // falls back to the newest only when that one failed or was superseded.
        var basis = latest.Status == ReleaseStatus.Deployed ? latest
            : history.LatestDeployed ?? (latest.Status is ReleaseStatus.Failed or ReleaseStatus.Superseded ? latest : null);
        if (basis is null)
        {
            return new(false, latest.Revision, status, null, null,
                $"helm status shows revision {latest.Revision} ({status}); helm upgrade fails: \"{history.Release}\" has no deployed releases.");
        }

        var next = latest.Revision + 1;
        var install = history.LatestDeployed is null && latest.Status == ReleaseStatus.Failed && history.Revisions.Count == 1
            ? " (helm install refuses the name while this revision exists; use helm upgrade --install)"
            : "";
        return new(true, latest.Revision, status, next, basis.Revision,
            $"helm status shows revision {latest.Revision} ({status}); the next helm upgrade creates revision {next} " +
            $"and diffs against revision {basis.Revision}'s manifest{install}.");
    }
}
