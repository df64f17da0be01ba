using static HelmUnstick.Core.Tests.Revisions;

namespace HelmUnstick.Core.Tests.Remediation;

public sealed class RemediationPlannerTests
{
    private static readonly CiQuietCheck CiQuiet = CiQuietCheck.From([CiSourceReport.FromActivities("GitLab ops", ["gitlab-org/k8s-workloads"], [])]);
    private static readonly RemediationOverrides None = new(false, false, null);

    private static WorkloadHealthFinding Workload(bool healthy) => WorkloadHealthRule.Evaluate(
        new WorkloadStatus("Deployment", "team-a", "demo-web", 1, 1, 2, healthy ? 2 : 0, healthy ? 2 : 0,
            [new("Available", "True"), new("Progressing", "True")]));

    private static RemediationPlan Plan(
        TimeSpan? pendingAge = null, bool healthy = true, CiQuietCheck? ci = null, RemediationOverrides? overrides = null,
        RemediationStrategy strategy = RemediationStrategy.Delete, bool unreadable = false)
    {
        var history = History(Make(1232, "superseded"), Make(1233, "deployed"), Make(1234, "pending-upgrade", pendingAge ?? TimeSpan.FromDays(2)));
        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);
        return RemediationPlanner.Plan(history, diagnosis, strategy, [Workload(healthy)], ci ?? CiQuiet, overrides ?? None, Liveness(history, unreadable), StorageDriver.Secret);
    }

    /// <summary>The verdict from the pending revision's own time (and one unreadable object, when asked): no cluster here.</summary>
    private static LivenessAssessment Liveness(ReleaseHistory history, bool unreadable = false)
    {
        var stuck = history.Latest!;
        var web = new ResourceKey("Deployment", "team-a", "demo-web");
        ObservedObject[] objects = unreadable ? [ObservedObject.Unreadable(web, PendingObjectRole.Manifest, "forbidden")] : [];
        return LivenessRule.Assess(new LivenessFacts(new ResourceKey("Secret", "team-a", stuck.ObjectName), stuck.Release!.LastDeployed, 0, [], objects,
            Now, StaleAfter, LivenessRule.DefaultHelmTimeout));
    }

    [Fact]
    public void Plan_StaleStuckUpgradeWithHealthyCluster_IsClearAndNamesTheExactSecret()
    {
        var plan = Plan();

        Assert.False(plan.Blocked);
        Assert.All(plan.Checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        Assert.Equal(
            "delete Secret team-a/sh.helm.release.v1.demo.v1234 (revision 1234, pending-upgrade) with preconditions uid=uid-1234 resourceVersion=1334",
            plan.ChangeDescription);
        Assert.False(plan.Before.UpgradeCanProceed);
        Assert.Equal((true, 1233, 1234), (plan.After.UpgradeCanProceed, plan.After.StatusShowsRevision, plan.After.NextRevision));
    }

    [Fact]
    public void Plan_MarkFailed_PredictsHelmSkipsTheFailedRevisionNumber()
    {
        var plan = Plan(strategy: RemediationStrategy.MarkFailed);

        Assert.Equal((1234, "failed", 1235, 1233), (plan.After.StatusShowsRevision, plan.After.StatusShows, plan.After.NextRevision, plan.After.NextUpgradeDiffsAgainst));
        Assert.Contains("payload status and status label pending-upgrade -> failed, with resourceVersion=1334", plan.ChangeDescription);
    }

    [Fact]
    public void Plan_WhenDeploymentUnavailable_Blocks()
    {
        var plan = Plan(healthy: false);

        Assert.True(plan.Blocked);
        var check = Assert.IsType<WorkloadCheck>(plan.Checks.Single(c => c.Blocks));
        Assert.Equal(["demo-web"], check.Unhealthy.Select(w => w.Workload.Name));
        Assert.Null(check.OverrideReason);
    }

    [Fact]
    public void Plan_WhenPendingRevisionIsYoung_IsPossiblyRunningAndBlocks()
    {
        var plan = Plan(pendingAge: TimeSpan.FromMinutes(3));

        var check = Assert.IsType<LivenessCheck>(Assert.Single(plan.Checks, c => c.Blocks));
        Assert.Equal((1234, TimeSpan.FromMinutes(3), LivenessVerdict.PossiblyRunning), (check.Revision.Revision, check.PendingAge, check.Liveness.Verdict));
        Assert.Same(check.Liveness, plan.Liveness);
    }

    [Fact]
    public void Plan_WhenAnObjectCannotBeRead_IsUnknownAndBlocks()
    {
        var plan = Plan(unreadable: true);

        var check = Assert.IsType<LivenessCheck>(Assert.Single(plan.Checks, c => c.Blocks));
        Assert.Equal(LivenessVerdict.Unknown, check.Liveness.Verdict);
    }

    [Fact]
    public void Plan_ForceWithReason_OverridesWorkloadAndStalenessButRecordsWhy()
    {
        var plan = Plan(pendingAge: TimeSpan.FromMinutes(3), healthy: false, overrides: new(true, false, "INC-42 helm pod OOM-killed"));

        Assert.False(plan.Blocked);
        Assert.Equal(2, plan.Checks.Count(c => c.Outcome == CheckOutcome.Overridden));
        Assert.Equal("INC-42 helm pod OOM-killed", Assert.IsType<WorkloadCheck>(plan.Checks[1]).OverrideReason);
        Assert.Equal("INC-42 helm pod OOM-killed", Assert.IsType<LivenessCheck>(plan.Checks[2]).OverrideReason);
    }

    [Fact]
    public void Plan_FailedCiCheck_Blocks()
    {
        var plan = Plan(ci: CiQuietCheck.From([CiSourceReport.Unavailable("CI", [], "no CI source configured")]));

        Assert.True(plan.Blocked);
    }

    [Fact]
    public void Plan_SettledRelease_HasNothingToFix()
    {
        var history = History(Make(1, "deployed"));
        var plan = RemediationPlanner.Plan(history, StuckReleaseRule.Diagnose(history, Now, StaleAfter), RemediationStrategy.Delete, [], CiQuiet, None, null, StorageDriver.Secret);

        Assert.True(plan.NothingToFix);
        Assert.Null(plan.Target);
        Assert.Empty(plan.Checks);
    }

    [Fact]
    public void MarkFailedChange_ChangesBodyAndLabelTogetherAndKeepsTheRest()
    {
        var target = Make(1234, "pending-upgrade");

        var change = MarkFailedChange.Build(target, "INC-42", Now);

        var written = ReleaseCodec.Decode(change.Payload);
        Assert.Equal(ReleaseStatus.Failed, written.Status);
        Assert.Equal("failed", change.Labels["status"]);
        Assert.Equal("Marked failed by helm-unstick at 2026-11-24T12:00:00Z (was pending-upgrade): INC-42", written.Description);
        Assert.Equal((target.Release!.Manifest, target.Release.LastDeployed, 1234), (written.Manifest, written.LastDeployed, written.Version));
        Assert.Equal(target.Labels["version"], change.Labels["version"]);
    }

    [Fact]
    public void MarkFailedChange_OfUnreadablePayload_Refuses()
    {
        Assert.Throws<ReleasePayloadException>(() => MarkFailedChange.Build(Corrupt(3), null, Now));
    }
}
