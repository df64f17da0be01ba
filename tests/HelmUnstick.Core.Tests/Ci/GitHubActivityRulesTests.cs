namespace HelmUnstick.Core.Tests.Ci;

public sealed class GitHubActivityRulesTests
{
    private const string Repository = "acme/platform-deploy";

    /// <summary>The environment the scope below maps to this cluster.</summary>
    private const string Production = "production-eu";

    private static readonly GitHubScope ProductionScope = new([Production], []);
    private static readonly GitHubScope WorkflowScope = new([], ["deploy.yml"]);
    private static readonly GitHubScope Unscoped = new([], []);

    private static GitHubDeploymentFact Deployment(string environment, string? state = "in_progress", long? runId = 9001) =>
        new(Repository, 55, environment, "main", state, runId, $"https://github.com/{Repository}/deployments/{environment}");

    private static GitHubRunFact Run(long id = 9001, string file = "deploy.yml", string status = "in_progress") =>
        new(Repository, id, "Deploy", 42, file, status, "main", $"https://github.com/{Repository}/actions/runs/{id}");

    private static GitHubFacts Facts(GitHubDeploymentFact[]? deployments = null, GitHubRunFact[]? runs = null) => new(deployments ?? [], runs ?? []);

    public static TheoryData<string, GitHubScope, GitHubFacts, CiVerdict> Cases => new()
    {
        { "nothing active", ProductionScope, Facts(), CiVerdict.Quiet },
        { "in-progress deployment to the mapped environment", ProductionScope, Facts([Deployment(Production)], [Run()]), CiVerdict.Busy },
        { "queued deployment to the mapped environment", ProductionScope, Facts([Deployment(Production, "queued")]), CiVerdict.Busy },
        { "pending deployment to the mapped environment", ProductionScope, Facts([Deployment(Production, "pending")]), CiVerdict.Busy },
        { "deployment without a status yet", ProductionScope, Facts([Deployment(Production, null)]), CiVerdict.Busy },
        { "finished deployment to the mapped environment", ProductionScope, Facts([Deployment(Production, "success")]), CiVerdict.Quiet },
        { "failed deployment to the mapped environment", ProductionScope, Facts([Deployment(Production, "failure")]), CiVerdict.Quiet },
        { "in-progress deployment to another environment", ProductionScope, Facts([Deployment("staging")], [Run()]), CiVerdict.Quiet },
        { "active run of a mapped workflow", WorkflowScope, Facts(runs: [Run(status: "queued")]), CiVerdict.Busy },
        { "waiting run of a mapped workflow", WorkflowScope, Facts(runs: [Run(status: "waiting")]), CiVerdict.Busy },
        { "active run of another workflow", WorkflowScope, Facts(runs: [Run(file: "test.yml")]), CiVerdict.Quiet },
        { "any active run when nothing is mapped", Unscoped, Facts(runs: [Run(file: "test.yml")]), CiVerdict.Busy },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide(string situation, GitHubScope scope, GitHubFacts facts, CiVerdict expected)
    {
        Assert.True(expected == CiActivityRules.VerdictOf(GitHubActivityRules.Decide(scope, facts)), situation);
    }

    [Fact]
    public void Decide_DeploymentToTheMappedEnvironment_NamesTheRunThatDeploysAndBlocksItToo()
    {
        var activities = GitHubActivityRules.Decide(ProductionScope, Facts([Deployment(Production)], [Run()]));

        Assert.Equal(
            [
                new CiActivity(CiActivityKind.Deployment, 55, Repository, "Deploy #42", "in_progress", Production, "main",
                    $"https://github.com/{Repository}/actions/runs/9001", true, "deploys to mapped environment production-eu"),
                new CiActivity(CiActivityKind.WorkflowRun, 9001, Repository, "Deploy #42", "in_progress", Production, "main",
                    $"https://github.com/{Repository}/actions/runs/9001", true, "deploys to mapped environment production-eu (deployment #55)"),
            ],
            activities);
    }
}
