using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>
/// Asks one GitHub API (REST, version 2022-11-28) about the mapped repositories: the newest deployments of each mapped
/// environment with their newest status, and the active workflow runs; decides with <see cref="GitHubActivityRules"/>.
/// It also finds the newest failed deploy of a mapped environment and re-runs that run's failed jobs.
/// Any failure becomes an Unavailable report (or a problem line) that never contains the token.
/// </summary>
internal sealed class GitHubCiSource : ICiActivitySource, ICiJobRetrier, ICiLeaseJobReader, IDisposable
{
    private readonly GitHubSourceSettings _settings;
    private readonly CiApiClient _api;

    public GitHubCiSource(GitHubSourceSettings settings, GitLabHttpOptions? options = null, HttpMessageHandler? transport = null, TimeProvider? time = null)
    {
        _settings = settings;
        var endpoint = new CiApiEndpoint("GitHub", settings.Url, "", settings.CaFile, "--github-ca-file",
            settings.Token is not null, "--github-token-file", CiToken.GitHubVariable, GitHubJsonContext.Default, Authorize, DescribeOwn);
        _api = new CiApiClient(endpoint, options, transport, time);
    }

    public string Name => _settings.Name;

    public Task<CiSourceReport> CheckAsync(CancellationToken ct) =>
        _api.ReportAsync(Name, _settings.Repositories, FetchFactsAsync, facts => GitHubActivityRules.Decide(_settings.Scope, facts), ct);

    public Task<CiAnswer<CiRetrySearch>> FindFailedDeployAsync(CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var found = new List<CiRetryTarget>();
        foreach (string repository in _settings.Repositories)
        {
            await GetRepositoryAsync(repository, budget);
            foreach (string environment in _settings.Scope.Environments)
            {
                var deploys = new List<(CiDeployRecord Deploy, DateTimeOffset? At)>();
                foreach (var (deployment, status) in await NewestDeploymentsAsync(repository, environment, budget))
                {
                    deploys.Add((new CiDeployRecord(deployment.Id, environment, RunOf(status), $"deployment #{deployment.Id}",
                        CiRetryRules.GitHubDeploymentState(status?.State), status?.LogUrl ?? ""), status?.CreatedAt ?? deployment.CreatedAt));
                }

                if (CiRetryRules.ChooseForEnvironment(deploys.Select(d => d.Deploy)) is { JobId: { } runId } failed)
                {
                    var run = await GetRunAsync(repository, runId, budget);
                    found.Add(new CiRetryTarget(CiSourceKind.GitHub, Name, repository, environment, failed.DeploymentId, run.Id,
                        RunName(run), run.HtmlUrl, deploys.First(d => d.Deploy == failed).At, run.RunAttempt));
                }
            }
        }

        var searched = $"environment{(_settings.Scope.Environments.Count == 1 ? "" : "s")} {string.Join(", ", _settings.Scope.Environments)} " +
                       $"of {Plural(_settings.Repositories.Count, "repository", "repositories")} {string.Join(", ", _settings.Repositories)} on {Name}";
        return new CiRetrySearch(found.OrderByDescending(t => t.FinishedAt).FirstOrDefault(), searched);
    }, ct);

    public Task<CiAnswer<CiRetriedJob>> RetryAsync(CiRetryTarget target, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        await _api.PostAsync<GitHubAccepted>(
            $"repos/{target.Project}/actions/runs/{target.JobId}/rerun-failed-jobs", $"the failed jobs of workflow run {target.JobId}", budget);
        return new CiRetriedJob(target, target.JobId, target.WebUrl, (target.Attempt ?? 1) + 1);
    }, ct);

    /// <summary>A run re-run but still showing its previous attempt has not started again yet: it counts as active.</summary>
    public Task<CiAnswer<CiJobState>> StateAsync(CiRetriedJob job, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var run = await GetRunAsync(job.Of.Project, job.JobId, budget);
        return run.RunAttempt < job.Attempt ? CiJobState.Active : CiRetryRules.GitHubRunState(run.Status, run.Conclusion);
    }, ct);

    /// <summary>A workflow run (GITHUB_RUN_ID) of one of this source's repositories (GITHUB_REPOSITORY).</summary>
    public bool Owns(CiJobReference job) =>
        job.ProjectId is { } repository && _settings.Repositories.Contains(repository, StringComparer.OrdinalIgnoreCase) && long.TryParse(job.JobId, out _);

    public Task<CiAnswer<CiLeaseJob>> ReadLeaseJobAsync(CiJobReference job, CancellationToken ct) => _api.AskAsync(async budget =>
    {
        var run = await GetRunAsync(job.ProjectId!, long.Parse(job.JobId!, CultureInfo.InvariantCulture), budget);
        return new CiLeaseJob(RunName(run), run.Conclusion is { } conclusion ? $"{run.Status}/{conclusion}" : run.Status,
            CiRetryRules.GitHubRunState(run.Status, run.Conclusion), run.HtmlUrl);
    }, ct);

    public void Dispose() => _api.Dispose();

    private async Task<GitHubFacts> FetchFactsAsync(CancellationToken ct)
    {
        var deployments = new List<GitHubDeploymentFact>();
        var runs = new List<GitHubRunFact>();
        foreach (string repository in _settings.Repositories)
        {
            var repo = await GetRepositoryAsync(repository, ct);
            foreach (string environment in _settings.Scope.Environments)
            {
                foreach (var (deployment, status) in await NewestDeploymentsAsync(repository, environment, ct))
                {
                    deployments.Add(new GitHubDeploymentFact(
                        repository,
                        deployment.Id,
                        deployment.Environment,
                        deployment.Ref,
                        status?.State,
                        RunOf(status),
                        status?.LogUrl is { Length: > 0 } log ? log : $"{repo.HtmlUrl}/deployments/{Uri.EscapeDataString(environment)}"));
                }
            }

            foreach (string status in GitHubActivityRules.ActiveRunStatuses)
            {
                var active = await _api.GetAllAsync<GitHubRunPage, GitHubRun>(
                    $"repos/{repository}/actions/runs?status={status}", $"workflow runs of repository '{repository}'", page => page.WorkflowRuns, ct);
                runs.AddRange(active.Select(r => new GitHubRunFact(
                    repository, r.Id, r.Name ?? $"run {r.Id}", r.RunNumber, Path.GetFileName(r.Path ?? ""), r.Status, r.HeadBranch, r.HtmlUrl)));
            }
        }

        return new GitHubFacts(deployments, runs.DistinctBy(r => (r.Repository, r.Id)).ToList());
    }

    /// <summary>The environment's newest deployments, newest first, each with its newest status (null when it has none yet).</summary>
    private async Task<List<(GitHubDeployment Deployment, GitHubDeploymentStatus? Status)>> NewestDeploymentsAsync(
        string repository, string environment, CancellationToken ct)
    {
        string escaped = Uri.EscapeDataString(environment);
        // An environment that does not exist is a typo in the mapping, not a quiet CI.
        await _api.GetAsync<GitHubEnvironment>($"repos/{repository}/environments/{escaped}", $"environment '{environment}' of repository '{repository}'", ct);
        var deployments = await _api.GetAsync<List<GitHubDeployment>>(
            $"repos/{repository}/deployments?environment={escaped}&per_page={CiRetryRules.NewestDeploysPerEnvironment}", $"deployments of repository '{repository}'", ct);
        var withStatus = new List<(GitHubDeployment, GitHubDeploymentStatus?)>();
        foreach (var deployment in deployments)
        {
            var statuses = await _api.GetAsync<List<GitHubDeploymentStatus>>(
                $"repos/{repository}/deployments/{deployment.Id}/statuses?per_page=1", $"statuses of deployment #{deployment.Id}", ct);
            withStatus.Add((deployment, statuses.FirstOrDefault()));
        }

        return withStatus;
    }

    private Task<GitHubRepository> GetRepositoryAsync(string repository, CancellationToken ct) =>
        _api.GetAsync<GitHubRepository>($"repos/{repository}", $"repository '{repository}'", ct);

    private Task<GitHubRun> GetRunAsync(string repository, long runId, CancellationToken ct) =>
        _api.GetAsync<GitHubRun>($"repos/{repository}/actions/runs/{runId}", $"workflow run {runId} of repository '{repository}'", ct);

    /// <summary>The run a deployment status links to, by its <c>log_url</c> or else its <c>target_url</c>.</summary>
    private static long? RunOf(GitHubDeploymentStatus? status) =>
        CiRetryRules.RunIdFromUrl(status?.LogUrl) ?? CiRetryRules.RunIdFromUrl(status?.TargetUrl);

    private static string RunName(GitHubRun run) => $"{run.Name ?? "run"} #{run.RunNumber.ToString(CultureInfo.InvariantCulture)}";

    private static string Plural(int count, string one, string many) => count == 1 ? one : many;

    private void Authorize(HttpRequestHeaders headers)
    {
        headers.Accept.ParseAdd("application/vnd.github+json");
        headers.TryAddWithoutValidation("X-GitHub-Api-Version", "2022-11-28");
        if (_settings.Token is { } token)
        {
            headers.TryAddWithoutValidation("Authorization", $"Bearer {token.Reveal()}");
        }
    }

    /// <summary>GitHub's rate limits (429, or 403 with no requests left) and its permissions.</summary>
    private string? DescribeOwn(HttpResponseMessage response, string what)
    {
        bool write = response.RequestMessage?.Method == HttpMethod.Post;
        bool rateLimited = response.StatusCode == HttpStatusCode.TooManyRequests ||
                           (response.Headers.TryGetValues("x-ratelimit-remaining", out var remaining) && remaining.FirstOrDefault() == "0");
        return response.StatusCode switch
        {
            _ when rateLimited => $"{_api.Instance} rate-limited the requests for {what} ({(int)response.StatusCode}): wait for the limit to reset or use a token with a higher limit",
            HttpStatusCode.Forbidden when write =>
                $"the token may not re-run {what} (403): it needs the Actions write permission on the repository (classic token: repo scope)",
            HttpStatusCode.Forbidden =>
                $"the token may not read {what} (403): it needs read access to the repository's Actions and Deployments (classic token: repo scope)",
            _ => null,
        };
    }
}
