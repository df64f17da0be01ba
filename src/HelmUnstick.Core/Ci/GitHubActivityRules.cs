namespace HelmUnstick.Core.Ci;

/// <summary>What the operator mapped to a kube context on GitHub: deployment environments and workflow files.</summary>
public sealed record GitHubScope(IReadOnlyList<string> Environments, IReadOnlyList<string> Workflows)
{
    public bool IsUnscoped => Environments.Count == 0 && Workflows.Count == 0;
}

/// <summary>A recent deployment to a mapped environment, with the state of its newest status (null: no status yet).</summary>
/// <param name="RunId">The workflow run its newest status links to (<c>log_url</c> or <c>target_url</c>), when it links to one.</param>
public sealed record GitHubDeploymentFact(
    string Repository,
    long Id,
    string Environment,
    string? Ref,
    string? State,
    long? RunId,
    string WebUrl);

/// <summary>An active workflow run; <see cref="WorkflowFile"/> is the file name of its <c>path</c> (<c>deploy.yml</c>).</summary>
public sealed record GitHubRunFact(
    string Repository,
    long Id,
    string Name,
    int RunNumber,
    string WorkflowFile,
    string Status,
    string? Branch,
    string WebUrl);

public sealed record GitHubFacts(IReadOnlyList<GitHubDeploymentFact> Deployments, IReadOnlyList<GitHubRunFact> Runs);

/// <summary>
/// Runbook step 1 on GitHub Actions: a deployment to a mapped environment whose newest status is still queued,
/// pending or in progress blocks; so does an active run of a mapped workflow. Other active runs are listed for the
/// operator and block only when nothing is mapped, because then any of them might deploy here.
/// </summary>
public static class GitHubActivityRules
{
    /// <summary>A deployment with no status yet has been created and not started: it counts as queued.</summary>
    public static readonly IReadOnlySet<string> ActiveDeploymentStates =
        new HashSet<string>(StringComparer.Ordinal) { "queued", "pending", "in_progress" };

    /// <summary>Every run status before <c>completed</c>: a run waiting on approval or a concurrency group deploys next.</summary>
    public static readonly IReadOnlyList<string> ActiveRunStatuses = ["queued", "in_progress", "waiting", "pending", "requested"];

    public static IReadOnlyList<CiActivity> Decide(GitHubScope scope, GitHubFacts facts)
    {
        var environments = new HashSet<string>(scope.Environments, StringComparer.Ordinal);
        var workflows = new HashSet<string>(scope.Workflows, StringComparer.OrdinalIgnoreCase);
        var runs = facts.Runs.ToDictionary(r => (r.Repository, r.Id));
        var deployingRuns = new Dictionary<(string, long), GitHubDeploymentFact>();
        var activities = new List<CiActivity>();

        foreach (var deployment in facts.Deployments.Where(d => IsActive(d.State)))
        {
            bool mapped = environments.Contains(deployment.Environment);
            var run = deployment.RunId is { } runId ? runs.GetValueOrDefault((deployment.Repository, runId)) : null;
            if (mapped && run is not null)
            {
                deployingRuns[(run.Repository, run.Id)] = deployment;
            }

            activities.Add(new CiActivity(
                CiActivityKind.Deployment,
                deployment.Id,
                deployment.Repository,
                run is null ? $"deployment #{deployment.Id}" : RunName(run),
                deployment.State ?? "queued",
                deployment.Environment,
                deployment.Ref,
                run?.WebUrl ?? deployment.WebUrl,
                mapped,
                mapped
                    ? $"deploys to mapped environment {deployment.Environment}"
                    : $"environment {deployment.Environment} is not mapped to this context"));
        }

        foreach (var run in facts.Runs)
        {
            var (blocks, why, environment) = DecideRun(run, scope, workflows, deployingRuns);
            activities.Add(new CiActivity(
                CiActivityKind.WorkflowRun, run.Id, run.Repository, RunName(run), run.Status, environment, run.Branch, run.WebUrl, blocks, why));
        }

        return activities;
    }

    public static bool IsActive(string? deploymentState) => deploymentState is null || ActiveDeploymentStates.Contains(deploymentState);

    /// <summary>How GitHub shows a run: its workflow's name and run number.</summary>
    public static string RunName(GitHubRunFact run) => $"{run.Name} #{run.RunNumber}";

    private static (bool Blocks, string Why, string? Environment) DecideRun(
        GitHubRunFact run,
        GitHubScope scope,
        HashSet<string> workflows,
        Dictionary<(string, long), GitHubDeploymentFact> deployingRuns)
    {
        if (deployingRuns.TryGetValue((run.Repository, run.Id), out var deployment))
        {
            return (true, $"deploys to mapped environment {deployment.Environment} (deployment #{deployment.Id})", deployment.Environment);
        }

        if (workflows.Contains(run.WorkflowFile))
        {
            return (true, $"runs mapped workflow {run.WorkflowFile}", null);
        }

        return scope.IsUnscoped
            ? (true, "no environment or workflow is mapped, so any active run may deploy here", null)
            : (false, "listed for review; it does not deploy to a mapped environment", null);
    }
}
