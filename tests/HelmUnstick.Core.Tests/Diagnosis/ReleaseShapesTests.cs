using static HelmUnstick.Core.Tests.Revisions;

namespace HelmUnstick.Core.Tests.Diagnosis;

/// <summary>The odd shapes of a stuck release: each gets one clear line in history and check.</summary>
public sealed class ReleaseShapesTests
{
    private static ReleaseAnomaly Shape(string secretName, string message) => new(secretName, message, AnomalyKind.Shape);

    private static IReadOnlyList<ReleaseAnomaly> Notes(params StoredRevision[] revisions) =>
        StuckReleaseRule.Diagnose(History(revisions), Now, StaleAfter).Anomalies;

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

    /// <summary>Leftover pending and interrupted uninstalls: the verdict, the revision that locks (if any) and the one note.</summary>
    public static TheoryData<StoredRevision[], ReleaseState, int?, ReleaseAnomaly> LeftoverCases() => new()
    {
        // Several pending revisions: only the newest locks.
        {
            [Make(1, "deployed"), Make(2, "pending-upgrade"), Make(3, "pending-upgrade")], ReleaseState.Stuck, 3,
            Shape("sh.helm.release.v1.demo.v3",
                "2 revisions are pending (2, 3): the older ones were left by earlier interrupted operations; only the newest (3) decides whether Helm refuses")
        },
        // A pending revision below a deployed one is a leftover that does not lock.
        {
            [Make(1, "pending-upgrade"), Make(2, "deployed")], ReleaseState.Settled, null,
            Shape("sh.helm.release.v1.demo.v1",
                "revision 1 is pending-upgrade below deployed revision 2: a leftover that does not lock the release (Helm only looks at the newest revision)")
        },
        // An interrupted uninstall is not ours to fix.
        {
            [Make(1, "superseded"), Make(2, "uninstalling")], ReleaseState.Settled, null,
            Shape("sh.helm.release.v1.demo.v2",
                "revision 2 is uninstalling: a helm uninstall was interrupted; run helm uninstall demo -n team-a again to finish it " +
                "(helm-unstick does not change an uninstalling release)")
        },
    };

    [Theory]
    [MemberData(nameof(LeftoverCases))]
    public void LeftoverRevisions_LockOnlyWhenNewest_AndGetOneNote(StoredRevision[] revisions, ReleaseState state, int? stuckRevision, ReleaseAnomaly note)
    {
        var diagnosis = StuckReleaseRule.Diagnose(History(revisions), Now, StaleAfter);

        Assert.Equal((state, stuckRevision), (diagnosis.State, diagnosis.StuckRevision?.Revision));
        Assert.Equal([note], diagnosis.Anomalies);
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
