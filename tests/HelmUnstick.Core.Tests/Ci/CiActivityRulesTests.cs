namespace HelmUnstick.Core.Tests.Ci;

public sealed class CiActivityRulesTests
{
    private const string Project = "gitlab-com/gl-infra/k8s-workloads/gitlab-com";

    private static readonly CiScope GprdScope = new(["gprd"], []);
    private static readonly CiScope PatternScope = new([], ["gprd:*"]);
    private static readonly CiScope Unscoped = new([], []);

    private static CiDeploymentFact Deployment(string environment, string status = "running", long jobId = 101) =>
        new(Project, 55, status, environment, "master", jobId, "gprd:upgrade", "https://ops.example.com/env/1");

    private static CiJobFact Job(long id, string name, string status = "running", string? resourceGroup = null) =>
        new(Project, id, name, status, "master", $"https://ops.example.com/-/jobs/{id}", resourceGroup);

    private static CiPipelineFact Pipeline(string status = "running") =>
        new(Project, 900, status, "master", "https://ops.example.com/-/pipelines/900");

    private static CiFacts Facts(CiDeploymentFact[]? deployments = null, CiJobFact[]? jobs = null, CiPipelineFact[]? pipelines = null) =>
        new(deployments ?? [], jobs ?? [], pipelines ?? []);

    public static TheoryData<string, CiScope, CiFacts, CiVerdict> Cases => new()
    {
        { "nothing active", GprdScope, Facts(), CiVerdict.Quiet },
        { "running deployment in mapped environment", GprdScope, Facts([Deployment("gprd")]), CiVerdict.Busy },
        { "created deployment in mapped environment", GprdScope, Facts([Deployment("gprd", "created")]), CiVerdict.Busy },
        { "blocked deployment in mapped environment", GprdScope, Facts([Deployment("gprd", "blocked")]), CiVerdict.Busy },
        { "finished deployment in mapped environment", GprdScope, Facts([Deployment("gprd", "success")]), CiVerdict.Quiet },
        { "running deployment in unrelated environment", GprdScope, Facts([Deployment("gstg")]), CiVerdict.Quiet },
        { "job linked to unrelated deployment", GprdScope, Facts([Deployment("gstg")], [Job(101, "gstg:upgrade")]), CiVerdict.Quiet },
        { "running pipeline when environment mapped", GprdScope, Facts(pipelines: [Pipeline()]), CiVerdict.Quiet },
        { "running pipeline when nothing mapped", Unscoped, Facts(pipelines: [Pipeline()]), CiVerdict.Busy },
        { "pending pipeline when nothing mapped", Unscoped, Facts(pipelines: [Pipeline("pending")]), CiVerdict.Busy },
        { "waiting pipeline when nothing mapped", Unscoped, Facts(pipelines: [Pipeline("waiting_for_resource")]), CiVerdict.Busy },
        { "successful pipeline when nothing mapped", Unscoped, Facts(pipelines: [Pipeline("success")]), CiVerdict.Quiet },
        { "job matching pattern", PatternScope, Facts(jobs: [Job(7, "gprd:upgrade")]), CiVerdict.Busy },
        { "pending job matching pattern", PatternScope, Facts(jobs: [Job(7, "gprd:upgrade", "pending")]), CiVerdict.Busy },
        { "job not matching pattern", PatternScope, Facts(jobs: [Job(7, "gstg:upgrade")]), CiVerdict.Quiet },
        { "pattern must match the whole name", PatternScope, Facts(jobs: [Job(7, "pre-gprd:upgrade")]), CiVerdict.Quiet },
        { "failed job matching pattern", PatternScope, Facts(jobs: [Job(7, "gprd:upgrade", "failed")]), CiVerdict.Quiet },
        { "job waiting on mapped environment's resource group", GprdScope, Facts(jobs: [Job(8, "deploy", "waiting_for_resource", "gprd")]), CiVerdict.Busy },
        { "job waiting on other resource group", GprdScope, Facts(jobs: [Job(8, "deploy", "waiting_for_resource", "gstg")]), CiVerdict.Quiet },
        { "any job when nothing mapped", Unscoped, Facts(jobs: [Job(9, "lint")]), CiVerdict.Busy },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_GivesExpectedVerdict(string situation, CiScope scope, CiFacts facts, CiVerdict expected)
    {
        var activities = CiActivityRules.Decide(scope, facts);

        Assert.True(expected == CiActivityRules.VerdictOf(activities), situation);
    }

    [Fact]
    public void Decide_JobLinkedToMappedDeployment_BlocksAndNamesTheEnvironment()
    {
        var activities = CiActivityRules.Decide(GprdScope, Facts([Deployment("gprd")], [Job(101, "gprd:upgrade"), Job(202, "gstg:upgrade")]));

        var linked = Assert.Single(activities, a => a.Kind == CiActivityKind.Job && a.Id == 101);
        Assert.True(linked.Blocks);
        Assert.Equal("gprd", linked.Environment);
        Assert.Contains("deployment #55", linked.Why);
        var unrelated = Assert.Single(activities, a => a.Kind == CiActivityKind.Job && a.Id == 202);
        Assert.False(unrelated.Blocks);
        Assert.Equal("https://ops.example.com/-/jobs/202", unrelated.WebUrl);
    }

    [Fact]
    public void Decide_EveryActiveItem_IsListedWithItsWebUrl()
    {
        var activities = CiActivityRules.Decide(GprdScope, Facts([Deployment("gprd")], [Job(101, "gprd:upgrade")], [Pipeline()]));

        Assert.Equal(
            ["Deployment https://ops.example.com/env/1", "Job https://ops.example.com/-/jobs/101", "Pipeline https://ops.example.com/-/pipelines/900"],
            activities.Select(a => $"{a.Kind} {a.WebUrl}"));
    }

    [Fact]
    public void Decide_PipelineWhenScoped_IsListedButDoesNotBlock()
    {
        var pipeline = Assert.Single(CiActivityRules.Decide(GprdScope, Facts(pipelines: [Pipeline()])));

        Assert.False(pipeline.Blocks);
        Assert.Equal("running", pipeline.Status);
    }

    [Fact]
    public void SourceReport_Unavailable_BlocksWithItsErrorLine()
    {
        var report = CiSourceReport.Unavailable("GitLab https://ops.example.com", [Project], "GitLab https://ops.example.com: cannot reach host");

        Assert.True(report.Blocks);
        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Empty(report.Activities);
    }

    [Fact]
    public void SourceReport_Headline_SummarisesTheVerdict()
    {
        const string Name = "GitLab https://ops.example.com";
        var blocking = CiActivityRules.Decide(GprdScope, Facts([Deployment("gprd")], [Job(101, "gprd:upgrade")], [Pipeline()]));
        var harmless = CiActivityRules.Decide(GprdScope, Facts(pipelines: [Pipeline()]));

        Assert.Equal(
            [
                "GitLab https://ops.example.com: busy: 2 blocking items of 3 active items",
                "GitLab https://ops.example.com: quiet: 1 active item, none deploying to this cluster",
                "GitLab https://ops.example.com: quiet: nothing active",
                "GitLab https://ops.example.com: unavailable: cannot reach ops.example.com:443",
            ],
            [
                CiSourceReport.FromActivities(Name, [Project], blocking).Headline,
                CiSourceReport.FromActivities(Name, [Project], harmless).Headline,
                CiSourceReport.FromActivities(Name, [Project], []).Headline,
                CiSourceReport.Unavailable(Name, [Project], "cannot reach ops.example.com:443").Headline,
            ]);
    }
}
