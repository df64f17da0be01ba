using static HelmUnstick.Core.Tests.Revisions;

namespace HelmUnstick.Core.Tests.Diagnosis;

public sealed class StuckReleaseRuleTests
{
    [Theory]
    [MemberData(nameof(HelmStatuses.All), MemberType = typeof(HelmStatuses))]
    public void Diagnose_ByTheNewestRevisionsBodyStatus_StuckOnlyWhenPending(string newestStatus, ReleaseStatus status)
    {
        var history = History(Make(1, "superseded"), Make(2, "deployed"), Make(3, newestStatus));

        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);

        Assert.Equal(
            (newestStatus.StartsWith("pending-", StringComparison.Ordinal) ? ReleaseState.Stuck : ReleaseState.Settled, 3, status),
            (diagnosis.State, diagnosis.Latest!.Revision, diagnosis.Latest.Status));
    }

    [Fact]
    public void Diagnose_OrdersByPayloadVersionNotByInputOrder()
    {
        var history = History(Make(10, "pending-upgrade"), Make(9, "deployed"), Make(2, "superseded"));

        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);

        Assert.Equal(10, diagnosis.StuckRevision!.Revision);
        Assert.Equal("sh.helm.release.v1.demo.v10", diagnosis.StuckRevision.ObjectName);
    }

    [Fact]
    public void Diagnose_PendingOlderRevisionUnderNewerDeployed_IsNotStuck()
    {
        var history = History(Make(1, "pending-upgrade"), Make(2, "deployed"));

        Assert.Equal(ReleaseState.Settled, StuckReleaseRule.Diagnose(history, Now, StaleAfter).State);
    }

    [Theory]
    [InlineData(14, false)]
    [InlineData(15, true)]
    [InlineData(600, true)]
    public void Diagnose_StalenessComesFromLastDeployed(int minutesPending, bool stale)
    {
        var history = History(Make(1, "deployed"), Make(2, "pending-upgrade", TimeSpan.FromMinutes(minutesPending)));

        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);

        Assert.Equal(stale, diagnosis.IsStale);
        Assert.Equal(TimeSpan.FromMinutes(minutesPending), diagnosis.PendingAge);
    }

    [Fact]
    public void Diagnose_ZeroStaleAfter_TreatsEveryPendingRevisionAsStale()
    {
        var history = History(Make(1, "pending-install", TimeSpan.FromSeconds(1)));

        Assert.True(StuckReleaseRule.Diagnose(history, Now, TimeSpan.Zero).IsStale);
    }

    [Fact]
    public void Diagnose_StatusLabelDisagreeingWithPayload_IsReportedAndPayloadWins()
    {
        var history = History(Make(1, "deployed"), Make(2, "pending-upgrade", labelStatus: "failed"));

        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);

        Assert.Equal(ReleaseState.Stuck, diagnosis.State);
        var anomaly = Assert.Single(diagnosis.Anomalies);
        Assert.Equal("sh.helm.release.v1.demo.v2", anomaly.ObjectName);
        Assert.Contains("label says 'failed' but the payload says 'pending-upgrade'", anomaly.Message);
    }

    [Fact]
    public void Diagnose_PayloadVersionDisagreeingWithLabelAndName_IsReported()
    {
        var renamed = Make(3, "pending-upgrade") with { ObjectName = "sh.helm.release.v1.demo.v7" };

        var diagnosis = StuckReleaseRule.Diagnose(History(Make(2, "deployed"), renamed), Now, StaleAfter);

        var anomaly = Assert.Single(diagnosis.Anomalies);
        Assert.Equal("sh.helm.release.v1.demo.v7", anomaly.ObjectName);
        Assert.Contains("payload version 3 does not match", anomaly.Message);
    }

    [Fact]
    public void Diagnose_SeveralRevisionsDeployed_IsReported()
    {
        var history = History(Make(1, "deployed"), Make(2, "deployed"), Make(3, "pending-upgrade"));

        var anomaly = Assert.Single(StuckReleaseRule.Diagnose(history, Now, StaleAfter).Anomalies);

        Assert.Contains("2 revisions are marked deployed (1, 2)", anomaly.Message);
    }

    [Fact]
    public void Diagnose_UnreadableNewestRevision_IsUnreadableNotStuck()
    {
        var history = History(Make(1, "deployed"), Corrupt(2));

        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);

        Assert.Equal(ReleaseState.Unreadable, diagnosis.State);
        Assert.Contains(diagnosis.Anomalies, a => a.Message.Contains("cannot be decoded"));
    }

    [Fact]
    public void Diagnose_NoRevisions_IsAbsent()
    {
        Assert.Equal(ReleaseState.Absent, StuckReleaseRule.Diagnose(History(), Now, StaleAfter).State);
    }

    [Fact]
    public void Diagnose_RealStoreStuckByKilledHelm_FindsRevision4PendingUpgrade()
    {
        var histories = ReleaseHistory.GroupByRelease(Fixtures.StoreRevisions("helm3.18/cluster-with-stuck-upgrade.json"));

        var results = histories.Select(h => StuckReleaseRule.Diagnose(h, new DateTimeOffset(2026, 11, 24, 0, 30, 0, TimeSpan.Zero), StaleAfter)).ToList();

        var stuck = Assert.Single(results, r => r.State == ReleaseState.Stuck);
        Assert.Equal(("team-a", "demo", 4, ReleaseStatus.PendingUpgrade), (stuck.Namespace, stuck.Release, stuck.StuckRevision!.Revision, stuck.StuckRevision.Status));
        Assert.True(stuck.IsStale);
        Assert.Equal(ReleaseState.Settled, results.Single(r => r.Release == "example").State);
    }

    [Fact]
    public void Diagnose_RealStoreWithStuckInstall_FindsPendingInstall()
    {
        var histories = ReleaseHistory.GroupByRelease(Fixtures.StoreRevisions("helm3.18/cluster-with-stuck-install.json"));

        var stuck = histories
            .Select(h => StuckReleaseRule.Diagnose(h, new DateTimeOffset(2026, 11, 24, 0, 30, 0, TimeSpan.Zero), StaleAfter))
            .Where(r => r.State == ReleaseState.Stuck)
            .Select(r => (r.Namespace, r.Release, r.StuckRevision!.Status))
            .ToList();

        Assert.Equal([("team-a", "demo", ReleaseStatus.PendingUpgrade), ("team-c", "stuckinst", ReleaseStatus.PendingInstall)], stuck);
    }
}
