using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace HelmUnstick.Sandbox.GitLab;

/// <summary>
/// Serves the GitLab REST v4 subset the CI check reads, under <c>/gitlab/api/v4</c>, so that
/// <c>&lt;sandbox&gt;/gitlab</c> works as a GitLab base URL. Answers are shaped and paged like GitLab's.
/// </summary>
public static class GitLabStubEndpoints
{
    private const string Prefix = "/gitlab";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    private static readonly string[] FinishedStatuses = ["success", "failed", "canceled", "skipped", "manual"];

    public static void MapGitLabStub(this IEndpointRouteBuilder app, GitLabStubState state)
    {
        var api = app.MapGroup($"{Prefix}/api/v4/projects/{{project}}");
        api.AddEndpointFilter(async (context, next) =>
        {
            string given = context.HttpContext.Request.Headers["PRIVATE-TOKEN"].ToString();
            bool readOnly = state.ReadOnlyToken is { } readOnlyToken && string.Equals(given, readOnlyToken, StringComparison.Ordinal);
            if (state.RequiredToken is { } token && !readOnly && !string.Equals(given, token, StringComparison.Ordinal))
            {
                return Results.Json(new { message = "401 Unauthorized" }, Json, statusCode: StatusCodes.Status401Unauthorized);
            }

            if (readOnly && !HttpMethods.IsGet(context.HttpContext.Request.Method))
            {
                // GitLab's answer to a token whose scopes do not cover the request.
                return Results.Json(
                    new
                    {
                        error = "insufficient_scope",
                        error_description = "The request requires higher privileges than provided by the access token.",
                        scope = "api",
                    },
                    Json,
                    statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(context);
        });

        api.MapGet("", (HttpContext http, string project) =>
            WithProject(state, project, p => Results.Json(ProjectJson(http, p), Json)));

        api.MapGet("/environments", (HttpContext http, string project, string? name) =>
            WithProject(state, project, p => Paged(http, state.Environments(p.Id)
                .Where(e => name is null || e.Name == name)
                .Select(e => (object)new { id = e.Id, name = e.Name, state = "available" }))));

        api.MapGet("/deployments", (HttpContext http, string project, string? environment, string? status, string? sort) =>
            WithProject(state, project, p =>
            {
                var environments = state.Environments(p.Id);
                var jobs = state.Jobs(p.Id);
                var pipelines = state.Pipelines(p.Id);
                return Paged(http, state.Deployments(p.Id)
                    .Select(d => (Deployment: d, Environment: environments.First(e => e.Id == d.EnvironmentId)))
                    .Where(d => environment is null || d.Environment.Name == environment)
                    .Where(d => status is null || d.Deployment.Status == status)
                    // GitLab orders by id, ascending unless sort=desc.
                    .OrderBy(d => sort == "desc" ? -d.Deployment.Id : d.Deployment.Id)
                    .Select(d =>
                    {
                        var job = jobs.First(j => j.Id == d.Deployment.JobId);
                        return (object)new
                        {
                            id = d.Deployment.Id,
                            iid = d.Deployment.Iid,
                            @ref = d.Deployment.Ref,
                            status = d.Deployment.Status,
                            environment = new { id = d.Environment.Id, name = d.Environment.Name },
                            deployable = JobJson(http, p, job, pipelines),
                        };
                    }));
            }));

        api.MapGet("/jobs", (HttpContext http, string project) =>
            WithProject(state, project, p =>
            {
                var scopes = http.Request.Query["scope[]"].Concat(http.Request.Query["scope"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
                var pipelines = state.Pipelines(p.Id);
                return Paged(http, state.Jobs(p.Id)
                    .Where(j => scopes.Count == 0 || scopes.Contains(j.Status))
                    .OrderByDescending(j => j.Id)
                    .Select(j => JobJson(http, p, j, pipelines)));
            }));

        api.MapGet("/jobs/{jobId:long}", (HttpContext http, string project, long jobId) =>
            WithProject(state, project, p => state.ReadJob(p.Id, jobId) is { } job
                ? Results.Json(JobJson(http, p, job, state.Pipelines(p.Id)), Json)
                : Results.Json(new { message = "404 Not found" }, Json, statusCode: StatusCodes.Status404NotFound)));

        api.MapPost("/jobs/{jobId:long}/retry", (HttpContext http, string project, long jobId) =>
            WithProject(state, project, p => state.Retry(p.Id, jobId) switch
            {
                ({ } job, _) => Results.Json(JobJson(http, p, job, state.Pipelines(p.Id)), Json, statusCode: StatusCodes.Status201Created),
                (_, GitLabStubRetryRefusal.NotRetryable) => Results.Json(new { message = "403 Forbidden - Job is not retryable" }, Json, statusCode: StatusCodes.Status403Forbidden),
                _ => Results.Json(new { message = "404 Not found" }, Json, statusCode: StatusCodes.Status404NotFound),
            }));

        api.MapGet("/pipelines", (HttpContext http, string project, string? status) =>
            WithProject(state, project, p => Paged(http, state.Pipelines(p.Id)
                .Where(pl => status is null || pl.Status == status)
                .OrderByDescending(pl => pl.Id)
                .Select(pl => PipelineJson(http, p, pl)))));

        api.MapGet("/resource_groups", (HttpContext http, string project) =>
            WithProject(state, project, p => Paged(http, state.Jobs(p.Id)
                .Where(j => j.ResourceGroup is not null)
                .Select(j => j.ResourceGroup!)
                .Distinct(StringComparer.Ordinal)
                .Select((key, index) => (object)new { id = index + 1, key, process_mode = "unordered" }))));

        api.MapGet("/resource_groups/{key}/upcoming_jobs", (HttpContext http, string project, string key) =>
            WithProject(state, project, p =>
            {
                var pipelines = state.Pipelines(p.Id);
                return Paged(http, state.Jobs(p.Id)
                    .Where(j => j.ResourceGroup == Uri.UnescapeDataString(key) && j.Status == "waiting_for_resource")
                    .Select(j => JobJson(http, p, j, pipelines)));
            }));
    }

    private static IResult WithProject(GitLabStubState state, string project, Func<GitLabStubProject, IResult> answer) =>
        state.FindProject(Uri.UnescapeDataString(project)) is { } found
            ? answer(found)
            : Results.Json(new { message = "404 Project Not Found" }, Json, statusCode: StatusCodes.Status404NotFound);

    private static string WebBase(HttpContext http, GitLabStubProject project) =>
        $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Prefix}/{project.PathWithNamespace}";

    private static object ProjectJson(HttpContext http, GitLabStubProject project) => new
    {
        id = project.Id,
        name = project.PathWithNamespace.Split('/')[^1],
        path_with_namespace = project.PathWithNamespace,
        web_url = WebBase(http, project),
    };

    private static object PipelineJson(HttpContext http, GitLabStubProject project, GitLabStubPipeline pipeline) => new
    {
        id = pipeline.Id,
        project_id = project.Id,
        status = pipeline.Status,
        @ref = pipeline.Ref,
        source = "push",
        web_url = $"{WebBase(http, project)}/-/pipelines/{pipeline.Id}",
    };

    private static object JobJson(HttpContext http, GitLabStubProject project, GitLabStubJob job, List<GitLabStubPipeline> pipelines) => new
    {
        id = job.Id,
        name = job.Name,
        status = job.Status,
        stage = "deploy",
        @ref = job.Ref,
        web_url = $"{WebBase(http, project)}/-/jobs/{job.Id}",
        pipeline = pipelines.FirstOrDefault(pl => pl.Id == job.PipelineId) is { } pipeline ? PipelineJson(http, project, pipeline) : null,
        finished_at = FinishedStatuses.Contains(job.Status) ? "2026-01-01T00:00:00.000Z" : null,
    };

    /// <summary>Offset paging with GitLab's headers: x-page, x-per-page, x-next-page, x-total and Link.</summary>
    private static IResult Paged(HttpContext http, IEnumerable<object> all)
    {
        var items = all.ToList();
        int perPage = int.TryParse(http.Request.Query["per_page"], out int requested) && requested > 0 ? Math.Min(requested, 100) : 20;
        int page = int.TryParse(http.Request.Query["page"], out int p) && p > 0 ? p : 1;
        int totalPages = Math.Max(1, (items.Count + perPage - 1) / perPage);
        var headers = http.Response.Headers;
        headers["x-page"] = page.ToString(CultureInfo.InvariantCulture);
        headers["x-per-page"] = perPage.ToString(CultureInfo.InvariantCulture);
        headers["x-total"] = items.Count.ToString(CultureInfo.InvariantCulture);
        headers["x-total-pages"] = totalPages.ToString(CultureInfo.InvariantCulture);
        headers["x-next-page"] = page < totalPages ? (page + 1).ToString(CultureInfo.InvariantCulture) : "";
        headers["x-prev-page"] = page > 1 ? (page - 1).ToString(CultureInfo.InvariantCulture) : "";
        var links = new List<string>();
        if (page < totalPages)
        {
            links.Add($"<{StubPages.PageUrl(http, page + 1)}>; rel=\"next\"");
        }

        links.Add($"<{StubPages.PageUrl(http, 1)}>; rel=\"first\"");
        links.Add($"<{StubPages.PageUrl(http, totalPages)}>; rel=\"last\"");
        headers["Link"] = string.Join(", ", links);
        return Results.Json(items.Skip((page - 1) * perPage).Take(perPage), Json);
    }
}
