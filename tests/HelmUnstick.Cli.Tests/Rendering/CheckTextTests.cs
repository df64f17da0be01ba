using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Core.Workloads;

namespace HelmUnstick.Cli.Tests.Rendering;

/// <summary>Core decides the checks from facts; these are the words (and flags) an operator reads for them.</summary>
public sealed class CheckTextTests
{
    private static readonly Core.Diagnosis.StoredRevision Stuck = Core.Tests.Fixtures.StoreRevisions("helm3.18/cluster-with-stuck-upgrade.json")
        .Single(r => r.SecretName == "sh.helm.release.v1.demo.v4");

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
            new StalenessCheck(CheckOutcome.Failed, Stuck, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(15), null), "No live helm process owns the pending revision",
            "revision 4 has been pending for only 4m (less than --stale-after 15m); a helm process may still be running; wait, or pass --force --reason TEXT"
        },
        {
            new StalenessCheck(CheckOutcome.Passed, Stuck, TimeSpan.FromHours(9), TimeSpan.FromMinutes(15), null), "No live helm process owns the pending revision",
            "revision 4 has been pending for 9h"
        },
    };

    [Theory]
    [MemberData(nameof(Checks))]
    public void TitleAndSummary_NameTheOverridingFlags(PreflightCheck check, string title, string summary)
    {
        Assert.Equal((title, summary), (CheckText.Title(check), CheckText.Summary(check)));
    }

    [Fact]
    public void StalenessEvidence_NamesTheThresholdFlag()
    {
        var check = new StalenessCheck(CheckOutcome.Passed, Stuck, TimeSpan.FromHours(9), TimeSpan.FromMinutes(15), null);

        Assert.Equal(
            [$"revision 4 is pending-upgrade since {Stuck.Release!.LastDeployed:u} (info.last_deployed), age 9h", "--stale-after 15m"],
            CheckText.Evidence(check));
    }
}
