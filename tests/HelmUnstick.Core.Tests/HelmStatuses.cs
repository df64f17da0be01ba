namespace HelmUnstick.Core.Tests;

/// <summary>The nine statuses Helm writes into a release, by the name Helm gives each.</summary>
internal static class HelmStatuses
{
    public static TheoryData<string, ReleaseStatus> All => new()
    {
        { "unknown", ReleaseStatus.Unknown },
        { "deployed", ReleaseStatus.Deployed },
        { "uninstalled", ReleaseStatus.Uninstalled },
        { "superseded", ReleaseStatus.Superseded },
        { "failed", ReleaseStatus.Failed },
        { "uninstalling", ReleaseStatus.Uninstalling },
        { "pending-install", ReleaseStatus.PendingInstall },
        { "pending-upgrade", ReleaseStatus.PendingUpgrade },
        { "pending-rollback", ReleaseStatus.PendingRollback },
    };
}
