using HelmUnstick.Core.Diagnosis;
using static HelmUnstick.Core.Tests.Revisions;

namespace HelmUnstick.Core.Tests.Diagnosis;

/// <summary>The odd shapes of a stuck release: each gets one clear line in history and check.</summary>
public sealed class ReleaseShapesTests
{
    private static ReleaseAnomaly Shape(string secretName, string message) => new(secretName, message, AnomalyKind.Shape);

    private static IReadOnlyList<ReleaseAnomaly> Notes(params StoredRevision[] revisions) =>
        StuckReleaseRule.Diagnose(History(revisions), Now, TimeSpan.FromMinutes(15)).Anomalies;

    [Fact]
    public void StuckFirstInstall_SaysWhatEachStrategyLeaves()
    {
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v1",
                "stuck first install: deleting revision 1 makes Helm forget the release (the next helm upgrade --install installs again and " +
                "adopts the objects already there); marking it failed keeps it (the next helm upgrade --install upgrades it)"),
        ], Notes(Make(1, "pending-install")));
    }

    [Fact]
    public void NoDeployedRevisionBelowTheStuckOne_SaysWhatTheNextUpgradeDiffsAgainst()
    {
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v3",
                "no revision below 3 is deployed: once it is gone, Helm's next upgrade diffs against revision 2 (failed), the newest, " +
                "as Helm falls back to it when it failed or was superseded"),
        ], Notes(Make(1, "superseded"), Make(2, "failed"), Make(3, "pending-upgrade")));
    }

    [Fact]
    public void InterruptedBetweenSupersededAndDeployed_HasNoDeployedRevision()
    {
        // Helm writes the old revision superseded before the new one deployed; killed in between, both are left so.
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v3",
                "no revision below 3 is deployed: once it is gone, Helm's next upgrade diffs against revision 2 (superseded), the newest, " +
                "as Helm falls back to it when it failed or was superseded"),
        ], Notes(Make(1, "superseded"), Make(2, "superseded"), Make(3, "pending-upgrade")));
    }

    [Fact]
    public void OnlyFailedRevisions_NotStuck_SaysWhatTheNextUpgradeDiffsAgainst()
    {
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v2",
                "no revision is deployed: Helm's next upgrade diffs against revision 2 (failed), the newest, as Helm falls back to it when it failed or was superseded"),
        ], Notes(Make(1, "failed"), Make(2, "failed")));
    }

    [Fact]
    public void SeveralPendingRevisions_OnlyTheNewestLocks()
    {
        var diagnosis = StuckReleaseRule.Diagnose(History(Make(1, "deployed"), Make(2, "pending-upgrade"), Make(3, "pending-upgrade")), Now, TimeSpan.FromMinutes(15));

        Assert.Equal(3, diagnosis.StuckRevision!.Revision);
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v3",
                "2 revisions are pending (2, 3): the older ones were left by earlier interrupted operations; only the newest (3) decides whether Helm refuses"),
        ], diagnosis.Anomalies);
    }

    [Fact]
    public void PendingRevisionBelowADeployedOne_IsALeftoverThatDoesNotLock()
    {
        var diagnosis = StuckReleaseRule.Diagnose(History(Make(1, "pending-upgrade"), Make(2, "deployed")), Now, TimeSpan.FromMinutes(15));

        Assert.Equal(ReleaseState.Settled, diagnosis.State);
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v1",
                "revision 1 is pending-upgrade below deployed revision 2: a leftover that does not lock the release (Helm only looks at the newest revision)"),
        ], diagnosis.Anomalies);
    }

    [Fact]
    public void InterruptedUninstall_IsNotOursToFix()
    {
        var diagnosis = StuckReleaseRule.Diagnose(History(Make(1, "superseded"), Make(2, "uninstalling")), Now, TimeSpan.FromMinutes(15));

        Assert.Equal(ReleaseState.Settled, diagnosis.State);
        Assert.Null(diagnosis.StuckRevision);
        Assert.Equal(
        [
            Shape("sh.helm.release.v1.demo.v2",
                "revision 2 is uninstalling: a helm uninstall was interrupted; run helm uninstall demo -n team-a again to finish it " +
                "(helm-unstick does not change an uninstalling release)"),
        ], diagnosis.Anomalies);
    }

    [Fact]
    public void LabelDisagreeingWithPayload_IsOneLine()
    {
        Assert.Equal(
        [
            new ReleaseAnomaly("sh.helm.release.v1.demo.v2",
                "status label says 'failed' but the payload says 'pending-upgrade' (Helm goes by the payload, except when it looks for the deployed revision)"),
        ], Notes(Make(1, "deployed"), Make(2, "pending-upgrade", labelStatus: "failed")));
    }
}
