using HelmUnstick.Core.Workloads;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Cli.Tests.Rendering;

/// <summary>Core decides the checks from facts; these are the words (and flags) an operator reads for them.</summary>
public sealed class CheckTextTests
{
    private static readonly Core.Diagnosis.StoredRevision Stuck = Core.Tests.Fixtures.StoreRevisions("helm3.18/cluster-with-stuck-upgrade.json")
        .Single(r => r.ObjectName == "sh.helm.release.v1.demo.v4");

    private static readonly WorkloadHealthFinding Unavailable = WorkloadHealthRule.Evaluate(
        new WorkloadStatus("Deployment", "team-a", "demo-web", 1, 1, 2, 0, 0, [new("Available", "False", "MinimumReplicasUnavailable"), new("Progressing", "True")]));

    public static TheoryData<PreflightCheck, string, string> Checks => new()
    {
        { CiQuietCheck.Skipped("INC-1"), "No CI job is deploying to this cluster", "not checked (--skip-ci-check): INC-1" },
        { CiQuietCheck.From([CiSourceReport.FromActivities("GitLab ops", [], [])]), "No CI job is deploying to this cluster", "quiet (GitLab ops)" },
        {
            CiQuietCheck.From([CiSourceReport.Unavailable("GitLab ops", [], "cannot resolve host ops")]), "No CI job is deploying to this cluster",
            "CI could not be checked: cannot resolve host ops; fix that, or pass --skip-ci-check --reason TEXT"
        },
        {
            new WorkloadCheck(CheckOutcome.Failed, [Unavailable], null), "Workloads have reconciled",
            "1 of 1 workload(s) look unhealthy: Deployment demo-web; investigate them first, or pass --force --reason TEXT"
        },
        {
            new WorkloadCheck(CheckOutcome.Overridden, [Unavailable], "INC-2"), "Workloads have reconciled",
            "1 of 1 workload(s) look unhealthy: Deployment demo-web; overridden with --force: INC-2"
        },
        {
            new LivenessCheck(CheckOutcome.Failed, Stuck, TimeSpan.FromMinutes(4), Liveness(TimeSpan.FromMinutes(4)), null), "No live helm process owns the pending revision",
            "possibly-running: 1 sign(s) that a helm process still works on revision 4 (pending for 4m); wait for helm or its time limit, or pass --force --reason TEXT"
        },
        {
            new LivenessCheck(CheckOutcome.Overridden, Stuck, TimeSpan.FromHours(9), Liveness(TimeSpan.FromHours(9), unreadable: true), "INC-3"),
            "No live helm process owns the pending revision",
            "unknown: 1 check(s) on revision 4 could not run, and a check that could not run is never a pass; overridden with --force: INC-3"
        },
        {
            new LivenessCheck(CheckOutcome.Passed, Stuck, TimeSpan.FromHours(9), Liveness(TimeSpan.FromHours(9)), null), "No live helm process owns the pending revision",
            "stale: no sign of a live helm on revision 4 (pending for 9h)"
        },
    };

    [Theory]
    [MemberData(nameof(Checks))]
    public void TitleAndSummary_NameTheOverridingFlags(PreflightCheck check, string title, string summary)
    {
        Assert.Equal((title, summary), (CheckText.Title(check), CheckText.Summary(check)));
    }

    [Fact]
    public void LivenessEvidence_KeepsTheAgeThenEachObjectThenTheWindow()
    {
        var check = new LivenessCheck(CheckOutcome.Passed, Stuck, TimeSpan.FromHours(9), Liveness(TimeSpan.FromHours(9), unreadable: true, staleAfter: TimeSpan.Zero), null);

        Assert.Equal(
        [
            $"revision 4 is pending-upgrade since {Stuck.Release!.LastDeployed:u} (info.last_deployed), age 9h",
            "Deployment team-a/demo-web: cannot be read (forbidden), but helm's waits are over and --stale-after 0s turns recent writes off",
            "helm's waits: window closed at 2026-11-23T23:56:39Z (last_deployed 2026-11-23T23:50:39Z + 5m x (0 hooks + 1) + 1m), 8h54m ago",
        ], CheckText.Evidence(check));
    }

    /// <summary>The verdict on the stuck revision this long after it was written, with one forbidden object when asked.</summary>
    private static LivenessAssessment Liveness(TimeSpan age, bool unreadable = false, TimeSpan? staleAfter = null)
    {
        var web = new ResourceKey("Deployment", "team-a", "demo-web");
        ObservedObject[] objects = unreadable ? [ObservedObject.Unreadable(web, PendingObjectRole.Manifest, "forbidden")] : [];
        return LivenessRule.Assess(new LivenessFacts(new ResourceKey("Secret", "team-a", Stuck.ObjectName), Stuck.Release!.LastDeployed, 0, [], objects,
            Stuck.Release.LastDeployed!.Value + age, staleAfter ?? TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5)));
    }
}
