using System.Net;
using System.Net.Http.Headers;
using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>
/// Asks one GitLab instance (REST v4) for active deployments, jobs and pipelines in the mapped projects and
/// decides with <see cref="CiActivityRules"/>; finds the newest failed deploy job of a mapped environment and retries
/// it. Any failure becomes an Unavailable report (or a problem line) that never contains the token.
/// </summary>
public sealed class GitLabCiSource : ICiActivitySource, ICiJobRetrier, ICiLeaseJobReader, IDisposable
{
    private static readonly string[] JobScopes = ["running", "pending", "waiting_for_resource"];

    private readonly GitLabSourceSettings _settings;
    private readonly CiApiClient _api;

    public GitLabCiSource(GitLabSourceSettings settings, GitLabHttpOptions? options = null, HttpMessageHandler? transport = null, TimeProvider? time = null)
    {
        _settings = settings;
        var endpoint = new CiApiEndpoint("GitLab", settings.Url, "api/v4/", settings.CaFile, "--gitlab-ca-file",
            settings.Token is not null, "--gitlab-token-file", CiToken.GitLabVariable, GitLabJsonContext.Default, Authorize, DescribeOwn);
        _api = new CiApiClient(endpoint, options, transport, time);
    }

    public string Name => _settings.Name;

    public Task<CiSourceReport> CheckAsync(CancellationToken ct) =>
        _api.ReportAsync(Name, _settings.Projects, FetchFactsAsync, facts => CiActivityRules.Decide(_settings.Scope, facts), ct);

    /// <summary>
    /// Per project: the newest finished deployment of each mapped environment, when it failed or was canceled; without
    /// mapped environments, the newest finished job whose name matches a job pattern, when it failed or was canceled.
    /// </summary>
    Task<CiAnswer<CiRetrySearch>> ICiJobRetrier.FindFailedDeployAsync(CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var found = new List<CiRetryTarget>();
        foreach (string project in _settings.Projects)
        {
            string id = Uri.EscapeDataString(project);
            var gitLabProject = await _api.GetAsync<GitLabProject>($"projects/{id}", $"project '{project}'", budget);
            foreach (string environment in _settings.Scope.Environments)
            {
                var deployments = await _api.GetAsync<List<GitLabDeployment>>(
                    $"projects/{id}/deployments?environment={Uri.EscapeDataString(environment)}&order_by=id&sort=desc&per_page={CiRetryRules.NewestDeploysPerEnvironment}",
                    $"deployments of project '{project}'",
                    budget);
                var records = deployments.Select(d => new CiDeployRecord(
                    d.Id, environment, d.Deployable?.Id, d.Deployable?.Name ?? $"deployment #{d.Id}", CiRetryRules.GitLabJobState(d.Status),
                    d.Deployable is { } job ? job.WebUrl ?? $"{gitLabProject.WebUrl}/-/jobs/{job.Id}" : gitLabProject.WebUrl));
                if (CiRetryRules.ChooseForEnvironment(records) is { JobId: { } jobId } failed)
                {
                    found.Add(new CiRetryTarget(CiSourceKind.GitLab, Name, project, environment, failed.DeploymentId, jobId, failed.JobName, failed.WebUrl, null));
                }
            }

            if (_settings.Scope.Environments.Count == 0 && _settings.Scope.JobNamePatterns.Count > 0)
            {
                var finished = await _api.GetAsync<List<GitLabJob>>(
                    $"projects/{id}/jobs?scope[]=success&scope[]=failed&scope[]=canceled&per_page=100", $"jobs of project '{project}'", budget);
                var records = finished.Where(j => CiActivityRules.MatchesAnyPattern(j.Name, _settings.Scope.JobNamePatterns)).Select(j => new CiDeployRecord(
                    j.Id, j.Name, j.Id, j.Name, CiRetryRules.GitLabJobState(j.Status), j.WebUrl ?? $"{gitLabProject.WebUrl}/-/jobs/{j.Id}"));
                if (CiRetryRules.ChooseForEnvironment(records) is { JobId: { } jobId } failed)
                {
                    found.Add(new CiRetryTarget(CiSourceKind.GitLab, Name, project, "job patterns", failed.DeploymentId, jobId, failed.JobName, failed.WebUrl, null));
                }
            }
        }

        string scope = _settings.Scope.Environments.Count > 0
            ? $"environment{(_settings.Scope.Environments.Count == 1 ? "" : "s")} {string.Join(", ", _settings.Scope.Environments)}"
            : $"jobs matching {string.Join(", ", _settings.Scope.JobNamePatterns)}";
        var searched = $"{scope} of project{(_settings.Projects.Count == 1 ? "" : "s")} {string.Join(", ", _settings.Projects)} on {Name}";

        // GitLab's deployment ids grow with time: the highest is the newest.
        return new CiRetrySearch(found.OrderByDescending(t => t.DeploymentId).FirstOrDefault(), searched);
    }, ct);

    Task<CiAnswer<CiRetriedJob>> ICiJobRetrier.RetryAsync(CiRetryTarget target, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var job = await _api.PostAsync<GitLabJob>(
            $"projects/{Uri.EscapeDataString(target.Project)}/jobs/{target.JobId}/retry", $"job {target.JobId} of project '{target.Project}'", budget);
        return new CiRetriedJob(target, job.Id, job.WebUrl ?? target.WebUrl, null);
    }, ct);

    Task<CiAnswer<CiJobState>> ICiJobRetrier.StateAsync(CiRetriedJob job, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var now = await _api.GetAsync<GitLabJob>(
            $"projects/{Uri.EscapeDataString(job.Of.Project)}/jobs/{job.JobId}", $"job {job.JobId} of project '{job.Of.Project}'", budget);
        return CiRetryRules.GitLabJobState(now.Status);
    }, ct);

    /// <summary>
    /// A GitLab job of this instance (its URL under the instance's) with the numeric project and job ids GitLab puts
    /// in CI_PROJECT_ID and CI_JOB_ID: the job is read by id, whichever project of the instance it is in, since the
    /// Lease proves that job deployed this release.
    /// </summary>
    bool ICiLeaseJobReader.Owns(CiJobReference job) =>
        job.Url.StartsWith(_api.Instance + "/", StringComparison.OrdinalIgnoreCase)
        && long.TryParse(job.ProjectId, out _) && long.TryParse(job.JobId, out _);

    Task<CiAnswer<CiLeaseJob>> ICiLeaseJobReader.ReadLeaseJobAsync(CiJobReference job, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var read = await _api.GetAsync<GitLabJob>($"projects/{job.ProjectId}/jobs/{job.JobId}", $"job {job.JobId} of project {job.ProjectId}", budget);
        return new CiLeaseJob(read.Name, read.Status, CiRetryRules.GitLabJobState(read.Status), read.WebUrl ?? job.Url);
    }, ct);

    public void Dispose() => _api.Dispose();

    private async Task<CiFacts> FetchFactsAsync(CancellationToken ct)
    {
        var deployments = new List<CiDeploymentFact>();
        var jobs = new Dictionary<long, CiJobFact>();
        var pipelines = new List<CiPipelineFact>();
        var environmentsFound = new HashSet<string>(StringComparer.Ordinal);

        foreach (string project in _settings.Projects)
        {
            string id = Uri.EscapeDataString(project);
            var gitLabProject = await _api.GetAsync<GitLabProject>($"projects/{id}", $"project '{project}'", ct);

            foreach (string environment in _settings.Scope.Environments)
            {
                var found = await _api.GetAllAsync<GitLabEnvironment>(
                    $"projects/{id}/environments?name={Uri.EscapeDataString(environment)}", $"environments of project '{project}'", ct);
                if (found.Any(e => e.Name == environment))
                {
                    environmentsFound.Add(environment);
                }

                foreach (string status in CiActivityRules.ActiveDeploymentStatuses)
                {
                    var page = await _api.GetAllAsync<GitLabDeployment>(
                        $"projects/{id}/deployments?environment={Uri.EscapeDataString(environment)}&status={status}",
                        $"deployments of project '{project}'",
                        ct);
                    deployments.AddRange(page.Select(d => ToFact(project, gitLabProject, d, environment)));
                }
            }

            string scopes = string.Join("&", JobScopes.Select(s => $"scope[]={s}"));
            foreach (var job in await _api.GetAllAsync<GitLabJob>($"projects/{id}/jobs?{scopes}", $"jobs of project '{project}'", ct))
            {
                jobs[job.Id] = ToFact(project, gitLabProject, job, resourceGroup: null);
            }

            foreach (var group in await _api.GetAllAsync<GitLabResourceGroup>($"projects/{id}/resource_groups", $"resource groups of project '{project}'", ct))
            {
                var upcoming = await _api.GetAllAsync<GitLabJob>(
                    $"projects/{id}/resource_groups/{Uri.EscapeDataString(group.Key)}/upcoming_jobs",
                    $"resource group '{group.Key}' of project '{project}'",
                    ct);
                foreach (var job in upcoming)
                {
                    jobs[job.Id] = ToFact(project, gitLabProject, job, group.Key);
                }
            }

            foreach (string status in CiActivityRules.ActivePipelineStatuses)
            {
                var page = await _api.GetAllAsync<GitLabPipeline>($"projects/{id}/pipelines?status={status}", $"pipelines of project '{project}'", ct);
                pipelines.AddRange(page.Select(p => new CiPipelineFact(
                    project, p.Id, p.Status, p.Ref, p.WebUrl ?? $"{gitLabProject.WebUrl}/-/pipelines/{p.Id}")));
            }
        }

        var missing = _settings.Scope.Environments.Where(e => !environmentsFound.Contains(e)).ToList();
        if (missing.Count > 0)
        {
            throw new CiProblem(
                $"environment '{missing[0]}' not found in project{(_settings.Projects.Count > 1 ? "s" : "")} {string.Join(", ", _settings.Projects.Select(p => $"'{p}'"))} (404)");
        }

        return new CiFacts(deployments, jobs.Values.OrderBy(j => j.Id).ToList(), pipelines);
    }

    private static CiDeploymentFact ToFact(string project, GitLabProject gitLabProject, GitLabDeployment deployment, string environment) =>
        new(
            project,
            deployment.Id,
            deployment.Status,
            deployment.Environment?.Name ?? environment,
            deployment.Ref,
            deployment.Deployable?.Id,
            deployment.Deployable?.Name,
            deployment.Environment is { } e ? $"{gitLabProject.WebUrl}/-/environments/{e.Id}" : $"{gitLabProject.WebUrl}/-/environments");

    private static CiJobFact ToFact(string project, GitLabProject gitLabProject, GitLabJob job, string? resourceGroup) =>
        new(project, job.Id, job.Name, job.Status, job.Ref, job.WebUrl ?? $"{gitLabProject.WebUrl}/-/jobs/{job.Id}", resourceGroup);

    private void Authorize(HttpRequestHeaders headers)
    {
        if (_settings.Token is { } token)
        {
            headers.TryAddWithoutValidation("PRIVATE-TOKEN", token.Reveal());
        }
    }

    /// <summary>GitLab's permissions and its rate limit, which outlasted the retries.</summary>
    private string? DescribeOwn(HttpResponseMessage response, string what) => response.StatusCode switch
    {
        HttpStatusCode.Forbidden when response.RequestMessage?.Method == HttpMethod.Post =>
            $"the token may not retry {what} (403): a retry needs a token with the api scope (read_api only reads) and Developer access to the project",
        HttpStatusCode.Forbidden =>
            $"the token may not read {what} (403): it needs the read_api scope and access to the project",
        HttpStatusCode.TooManyRequests =>
            $"{_api.Instance} kept rate-limiting the requests for {what} (429) after {_api.Options.MaxRetries + 1} attempts",
        _ => null,
    };
}
