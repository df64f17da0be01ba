using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace HelmUnstick.Sandbox.GitHub;

/// <summary>
/// Serves the GitHub REST subset the CI check and the re-run use, under <c>/github</c>, so that
/// <c>&lt;sandbox&gt;/github</c> works as an API URL (like <c>https://api.github.com</c> or a GitHub Enterprise
/// Server's <c>https://HOST/api/v3</c>). Answers are shaped and paged (Link headers) like GitHub's.
/// </summary>
public static class GitHubStubEndpoints
{
    private const string Prefix = "/github";
    private const string Docs = "https://docs.github.com/rest";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    public static void MapGitHubStub(this IEndpointRouteBuilder app, GitHubStubState state)
    {
        var api = app.MapGroup($"{Prefix}/repos/{{owner}}/{{repo}}");
        api.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            string authorization = request.Headers.Authorization.ToString();
            string? given = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim()
                : authorization.StartsWith("token ", StringComparison.OrdinalIgnoreCase) ? authorization[6..].Trim()
                : null;
            bool readOnly = state.ReadOnlyToken is { } readOnlyToken && given == readOnlyToken;
            if (state.RequiredToken is { } token && !readOnly && given != token)
            {
                return Error(StatusCodes.Status401Unauthorized, given is null ? "Requires authentication" : "Bad credentials");
            }

            if (readOnly && !HttpMethods.IsGet(request.Method))
            {
                return Error(StatusCodes.Status403Forbidden, "Resource not accessible by personal access token");
            }

            return await next(context);
        });

        api.MapGet("", (HttpContext http, string owner, string repo) =>
            WithRepository(state, owner, repo, r => Results.Json(RepositoryJson(http, r), Json)));

        api.MapGet("/environments/{name}", (string owner, string repo, string name) =>
            WithRepository(state, owner, repo, r => state.Deployments(r.Id).FirstOrDefault(d => d.Environment == Uri.UnescapeDataString(name)) is { } first
                ? Results.Json(new { id = 1000 + first.Id, name = first.Environment, html_url = "" }, Json)
                : Error(StatusCodes.Status404NotFound, "Not Found")));

        api.MapGet("/deployments", (HttpContext http, string owner, string repo, string? environment) =>
            WithRepository(state, owner, repo, r => Paged(http, state.Deployments(r.Id)
                .Where(d => environment is null || d.Environment == environment)
                .OrderByDescending(d => d.Id)
                .Select(d => DeploymentJson(http, r, d)))));

        api.MapGet("/deployments/{id:long}/statuses", (HttpContext http, string owner, string repo, long id) =>
            WithRepository(state, owner, repo, r => state.Deployments(r.Id).FirstOrDefault(d => d.Id == id) is { } deployment
                ? Paged(http, deployment.Statuses.Reverse().Select(s => StatusJson(http, r, deployment, s)))
                : Error(StatusCodes.Status404NotFound, "Not Found")));

        api.MapGet("/actions/runs", (HttpContext http, string owner, string repo, string? status) =>
            WithRepository(state, owner, repo, r =>
            {
                var runs = state.Runs(r.Id)
                    .Where(run => status is null || run.Status == status || run.Conclusion == status)
                    .OrderByDescending(run => run.Id)
                    .ToList();
                return Paged(http, runs.Select(run => RunJson(http, r, run)), all => new { total_count = runs.Count, workflow_runs = all });
            }));

        api.MapGet("/actions/runs/{runId:long}", (HttpContext http, string owner, string repo, long runId) =>
            WithRepository(state, owner, repo, r => state.ReadRun(r.Id, runId) is { } run
                ? Results.Json(RunJson(http, r, run), Json)
                : Error(StatusCodes.Status404NotFound, "Not Found")));

        api.MapPost("/actions/runs/{runId:long}/rerun-failed-jobs", (string owner, string repo, long runId) =>
            WithRepository(state, owner, repo, r => state.RerunFailedJobs(r.Id, runId) switch
            {
                GitHubStubRerunRefusal.None => Results.Json(new { }, Json, statusCode: StatusCodes.Status201Created),
                GitHubStubRerunRefusal.StillRunning => Error(StatusCodes.Status403Forbidden, "This workflow is already running"),
                GitHubStubRerunRefusal.NothingFailed => Error(StatusCodes.Status403Forbidden, "This workflow run has no failed jobs to re-run"),
                _ => Error(StatusCodes.Status404NotFound, "Not Found"),
            }));
    }

    private static IResult WithRepository(GitHubStubState state, string owner, string repo, Func<GitHubStubRepository, IResult> answer) =>
        state.FindRepository(owner, repo) is { } found ? answer(found) : Error(StatusCodes.Status404NotFound, "Not Found");

    private static IResult Error(int status, string message) =>
        Results.Json(new { message, documentation_url = Docs, status = status.ToString(CultureInfo.InvariantCulture) }, Json, statusCode: status);

    private static string ApiBase(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Prefix}";

    /// <summary>Where the sandbox pretends the repository's pages are: beside the API, as on a GitHub Enterprise Server.</summary>
    private static string HtmlBase(HttpContext http, GitHubStubRepository repository) => $"{ApiBase(http)}/web/{repository.FullName}";

    private static object RepositoryJson(HttpContext http, GitHubStubRepository repository) => new
    {
        id = repository.Id,
        name = repository.FullName.Split('/')[1],
        full_name = repository.FullName,
        @private = true,
        html_url = HtmlBase(http, repository),
        url = $"{ApiBase(http)}/repos/{repository.FullName}",
        default_branch = "main",
    };

    private static object RunJson(HttpContext http, GitHubStubRepository repository, GitHubStubRun run) => new
    {
        id = run.Id,
        name = run.Name,
        display_title = $"{run.Name} {run.Branch}",
        head_branch = run.Branch,
        head_sha = Sha(run.Id),
        path = $".github/workflows/{run.WorkflowFile}",
        run_number = run.RunNumber,
        run_attempt = run.RunAttempt,
        @event = "push",
        status = run.Status,
        conclusion = run.Conclusion,
        workflow_id = 161335,
        url = $"{ApiBase(http)}/repos/{repository.FullName}/actions/runs/{run.Id}",
        html_url = $"{HtmlBase(http, repository)}/actions/runs/{run.Id}",
        created_at = run.CreatedAt,
        updated_at = run.CreatedAt,
        repository = new { id = repository.Id, full_name = repository.FullName },
    };

    private static object DeploymentJson(HttpContext http, GitHubStubRepository repository, GitHubStubDeployment deployment) => new
    {
        url = $"{ApiBase(http)}/repos/{repository.FullName}/deployments/{deployment.Id}",
        id = deployment.Id,
        sha = Sha(deployment.RunId),
        @ref = deployment.Ref,
        task = "deploy",
        payload = new { },
        original_environment = deployment.Environment,
        environment = deployment.Environment,
        description = (string?)null,
        creator = new { login = "github-actions[bot]", type = "Bot" },
        created_at = deployment.CreatedAt,
        updated_at = deployment.Statuses[^1].CreatedAt,
        statuses_url = $"{ApiBase(http)}/repos/{repository.FullName}/deployments/{deployment.Id}/statuses",
        repository_url = $"{ApiBase(http)}/repos/{repository.FullName}",
        transient_environment = false,
        production_environment = deployment.Environment.StartsWith("production", StringComparison.Ordinal),
    };

    /// <summary>Actions links each status to the deploy job's log: <c>.../actions/runs/RUN_ID/job/JOB_ID</c>.</summary>
    private static object StatusJson(HttpContext http, GitHubStubRepository repository, GitHubStubDeployment deployment, GitHubStubDeploymentStatus status)
    {
        string log = $"{HtmlBase(http, repository)}/actions/runs/{deployment.RunId}/job/{(deployment.RunId * 10) + 1}";
        return new
        {
            url = $"{ApiBase(http)}/repos/{repository.FullName}/deployments/{deployment.Id}/statuses/{status.Id}",
            id = status.Id,
            state = status.State,
            creator = new { login = "github-actions[bot]", type = "Bot" },
            description = "",
            environment = deployment.Environment,
            target_url = log,
            log_url = log,
            environment_url = "",
            created_at = status.CreatedAt,
            updated_at = status.CreatedAt,
            deployment_url = $"{ApiBase(http)}/repos/{repository.FullName}/deployments/{deployment.Id}",
            repository_url = $"{ApiBase(http)}/repos/{repository.FullName}",
        };
    }

    private static string Sha(long seed) => seed.ToString("x40", CultureInfo.InvariantCulture);

    /// <summary>Page-number paging with GitHub's <c>Link</c> header (next, last, first, prev); 30 per page unless <c>per_page</c> says.</summary>
    private static IResult Paged(HttpContext http, IEnumerable<object> all, Func<List<object>, object>? wrap = null)
    {
        var items = all.ToList();
        int perPage = int.TryParse(http.Request.Query["per_page"], out int requested) && requested > 0 ? Math.Min(requested, 100) : 30;
        int page = int.TryParse(http.Request.Query["page"], out int p) && p > 0 ? p : 1;
        int lastPage = Math.Max(1, (items.Count + perPage - 1) / perPage);
        var links = new List<string>();
        if (page < lastPage)
        {
            links.Add($"<{StubPages.PageUrl(http, page + 1)}>; rel=\"next\"");
            links.Add($"<{StubPages.PageUrl(http, lastPage)}>; rel=\"last\"");
        }

        if (page > 1)
        {
            links.Add($"<{StubPages.PageUrl(http, 1)}>; rel=\"first\"");
            links.Add($"<{StubPages.PageUrl(http, page - 1)}>; rel=\"prev\"");
        }

        if (links.Count > 0)
        {
            http.Response.Headers["Link"] = string.Join(", ", links);
        }

        var slice = items.Skip((page - 1) * perPage).Take(perPage).ToList();
        return Results.Json(wrap is null ? slice : wrap(slice), Json);
    }
}
