using System.Text.RegularExpressions;

namespace HelmUnstick.Core.Ci;

/// <summary>
/// Decides which active CI work blocks a change to the cluster (runbook step 1):
/// deployments in a mapped environment, jobs linked to those deployments, jobs whose name matches a mapped
/// pattern, jobs waiting on a resource group named like a mapped environment. Pipelines are listed for the
/// operator and block only when nothing narrower is mapped, because then any of them might deploy here.
/// </summary>
public static class CiActivityRules
{
    public static readonly IReadOnlySet<string> ActiveDeploymentStatuses =
        new HashSet<string>(StringComparer.Ordinal) { "running", "created", "blocked" };

    public static readonly IReadOnlySet<string> ActiveJobStatuses =
        new HashSet<string>(StringComparer.Ordinal) { "running", "pending", "waiting_for_resource" };

    public static readonly IReadOnlySet<string> ActivePipelineStatuses =
        new HashSet<string>(StringComparer.Ordinal) { "running", "pending", "created", "waiting_for_resource" };

    public static IReadOnlyList<CiActivity> Decide(CiScope scope, CiFacts facts)
    {
        var environments = new HashSet<string>(scope.Environments, StringComparer.Ordinal);
        var patterns = scope.JobNamePatterns.Select(p => (Pattern: p, Regex: GlobToRegex(p))).ToList();
        var activities = new List<CiActivity>();

        var deployingJobs = new Dictionary<long, CiDeploymentFact>();
        foreach (var deployment in facts.Deployments.Where(d => ActiveDeploymentStatuses.Contains(d.Status)))
        {
            bool mapped = environments.Contains(deployment.Environment);
            if (mapped && deployment.DeployableJobId is { } jobId)
            {
                deployingJobs[jobId] = deployment;
            }

            activities.Add(new CiActivity(
                CiActivityKind.Deployment,
                deployment.Id,
                deployment.Project,
                deployment.DeployableName ?? $"deployment #{deployment.Id}",
                deployment.Status,
                deployment.Environment,
                deployment.Ref,
                deployment.WebUrl,
                mapped,
                mapped
                    ? $"deploys to mapped environment {deployment.Environment}"
                    : $"environment {deployment.Environment} is not mapped to this context"));
        }

        foreach (var job in facts.Jobs.Where(j => ActiveJobStatuses.Contains(j.Status)))
        {
            var (blocks, why, environment) = DecideJob(job, scope, environments, patterns, deployingJobs);
            activities.Add(new CiActivity(
                CiActivityKind.Job, job.Id, job.Project, job.Name, job.Status, environment, job.Ref, job.WebUrl, blocks, why));
        }

        foreach (var pipeline in facts.Pipelines.Where(p => ActivePipelineStatuses.Contains(p.Status)))
        {
            activities.Add(new CiActivity(
                CiActivityKind.Pipeline,
                pipeline.Id,
                pipeline.Project,
                $"pipeline #{pipeline.Id}",
                pipeline.Status,
                null,
                pipeline.Ref,
                pipeline.WebUrl,
                scope.IsUnscoped,
                scope.IsUnscoped
                    ? "no environment or job pattern is mapped, so any active pipeline may deploy here"
                    : "listed for review; its deploy jobs are checked individually"));
        }

        return activities;
    }

    public static CiVerdict VerdictOf(IEnumerable<CiActivity> activities) =>
        activities.Any(a => a.Blocks) ? CiVerdict.Busy : CiVerdict.Quiet;

    private static (bool Blocks, string Why, string? Environment) DecideJob(
        CiJobFact job,
        CiScope scope,
        HashSet<string> environments,
        List<(string Pattern, Regex Regex)> patterns,
        Dictionary<long, CiDeploymentFact> deployingJobs)
    {
        if (deployingJobs.TryGetValue(job.Id, out var deployment))
        {
            return (true, $"deploys to mapped environment {deployment.Environment} (deployment #{deployment.Id})", deployment.Environment);
        }

        var match = patterns.FirstOrDefault(p => p.Regex.IsMatch(job.Name));
        if (match.Regex is not null)
        {
            return (true, $"name matches job pattern '{match.Pattern}'", null);
        }

        if (job.ResourceGroup is { } group && environments.Contains(group))
        {
            return (true, $"waits on resource group {group} of a mapped environment", group);
        }

        if (scope.IsUnscoped)
        {
            return (true, "no environment or job pattern is mapped, so any active job may deploy here", null);
        }

        return (false, "does not deploy to a mapped environment", null);
    }

    /// <summary>Whether <paramref name="jobName"/> matches one of the job-name globs.</summary>
    public static bool MatchesAnyPattern(string jobName, IEnumerable<string> patterns) => patterns.Any(p => GlobToRegex(p).IsMatch(jobName));

    /// <summary>Job patterns are globs (<c>*</c>, <c>?</c>) matched against the whole job name, ordinal.</summary>
    internal static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
