namespace HelmUnstick.Core.Releases;

/// <summary>The nine statuses Helm writes into a release payload's <c>info.status</c>.</summary>
public enum ReleaseStatus
{
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

public static class ReleaseStatusNames
{
    private static readonly (ReleaseStatus Status, string Name)[] Names =
    [
        (ReleaseStatus.Unknown, "unknown"),
        (ReleaseStatus.Deployed, "deployed"),
        (ReleaseStatus.Uninstalled, "uninstalled"),
        (ReleaseStatus.Superseded, "superseded"),
        (ReleaseStatus.Failed, "failed"),
        (ReleaseStatus.Uninstalling, "uninstalling"),
        (ReleaseStatus.PendingInstall, "pending-install"),
        (ReleaseStatus.PendingUpgrade, "pending-upgrade"),
        (ReleaseStatus.PendingRollback, "pending-rollback"),
    ];

    public static string ToHelmName(this ReleaseStatus status) =>
        Array.Find(Names, n => n.Status == status).Name;

    public static bool TryParse(string? name, out ReleaseStatus status)
    {
        foreach (var (s, n) in Names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                status = s;
                return true;
            }
        }

        status = ReleaseStatus.Unknown;
        return false;
    }

    /// <summary>The statuses that make Helm refuse the next operation ("another operation is in progress").</summary>
    public static bool IsPending(this ReleaseStatus status) =>
        status is ReleaseStatus.PendingInstall or ReleaseStatus.PendingUpgrade or ReleaseStatus.PendingRollback;
}
