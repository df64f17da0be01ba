using static HelmUnstick.Core.Tests.Revisions;

namespace HelmUnstick.Core.Tests.Diagnosis;

public sealed class HelmOutlookTests
{
    [Fact]
    public void For_StuckUpgrade_UpgradeRefused()
    {
        var outlook = HelmOutlook.For(History(Make(1, "deployed"), Make(2, "pending-upgrade")));

        Assert.False(outlook.UpgradeCanProceed);
        Assert.Contains("another operation (install/upgrade/rollback) is in progress", outlook.Summary);
    }

    [Fact]
    public void For_StuckRevisionDeleted_IsOneRevisionBehind()
    {
        var outlook = HelmOutlook.For(History(Make(1232, "superseded"), Make(1233, "deployed")));

        Assert.True(outlook.UpgradeCanProceed);
        Assert.Equal((1233, "deployed", 1234, 1233), (outlook.StatusShowsRevision, outlook.StatusShows, outlook.NextRevision, outlook.NextUpgradeDiffsAgainst));
    }

    [Fact]
    public void For_StuckRevisionMarkedFailed_DiffsAgainstDeployedAndSkipsItsNumber()
    {
        var outlook = HelmOutlook.For(History(Make(1233, "deployed"), Make(1234, "failed")));

        Assert.Equal((1234, "failed", 1235, 1233), (outlook.StatusShowsRevision, outlook.StatusShows, outlook.NextRevision, outlook.NextUpgradeDiffsAgainst));
    }

    [Fact]
    public void For_NoDeployedRevision_UpgradesFromNewest()
    {
        var outlook = HelmOutlook.For(History(Make(1, "superseded"), Make(2, "failed")));

        Assert.Equal((3, 2), (outlook.NextRevision, outlook.NextUpgradeDiffsAgainst));
    }

    [Theory]
    [InlineData("uninstalled")]
    [InlineData("uninstalling")]
    [InlineData("unknown")]
    public void For_NewestNeitherDeployedFailedNorSupersededAndNoneDeployed_UpgradeIsRefused(string status)
    {
        var outlook = HelmOutlook.For(History(Make(1, "superseded"), Make(2, status)));

        Assert.False(outlook.UpgradeCanProceed);
        Assert.Contains("has no deployed releases", outlook.Summary);
    }

    [Fact]
    public void For_DeployedRevisionFoundByItsLabelAsHelmDoes()
    {
        // Revision 2's payload says deployed but its label does not; Helm's label query finds revision 1.
        var outlook = HelmOutlook.For(History(Make(1, "superseded", labelStatus: "deployed"), Make(2, "deployed", labelStatus: "superseded"), Make(3, "failed")));

        Assert.Equal((4, 1), (outlook.NextRevision, outlook.NextUpgradeDiffsAgainst));
    }

    [Fact]
    public void For_UnreadableNewestRevision_SaysHelmCannotProceed()
    {
        var outlook = HelmOutlook.For(History(Make(1, "deployed"), Corrupt(2)));

        Assert.False(outlook.UpgradeCanProceed);
        Assert.Contains("cannot be decoded", outlook.Summary);
    }

    [Fact]
    public void For_StuckInstallDeleted_SaysUseUpgradeInstall()
    {
        var outlook = HelmOutlook.For(History());

        Assert.False(outlook.UpgradeCanProceed);
        Assert.Contains("has no deployed releases", outlook.Summary);
        Assert.Contains("helm upgrade --install", outlook.Summary);
    }

    [Fact]
    public void For_StuckInstallMarkedFailed_SaysInstallRefusesTheName()
    {
        var outlook = HelmOutlook.For(History(Make(1, "failed")));

        Assert.True(outlook.UpgradeCanProceed);
        Assert.Contains("helm install refuses the name", outlook.Summary);
    }
}
