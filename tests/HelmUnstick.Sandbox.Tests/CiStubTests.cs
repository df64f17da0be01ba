using HelmUnstick.Sandbox.GitHub;
using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Sandbox.Tests;

/// <summary>The CI stubs at the wire: the GitLab retry and job progression, and the GitHub endpoints with their scenarios.</summary>
public sealed class CiStubTests
{
    private const string Project = "gitlab-com%2Fgl-infra%2Fk8s-workloads%2Fgitlab-com";
    private const string Repository = GitHubStubState.DemoRepository;

    private static Task<RunningSandbox> StartAsync(GitLabStubState gitLab, GitHubStubState gitHub) => RunningSandbox.StartAsync(new SandboxOptions
    {
        ConfigureEndpoints = app =>
        {
            app.MapGitLabStub(gitLab);
            app.MapGitHubStub(gitHub);
        },
    });

    private static async Task<(HttpStatusCode Code, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? gitLabToken = null, string? gitHubToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (gitLabToken is not null)
        {
            request.Headers.Add("PRIVATE-TOKEN", gitLabToken);
        }

        if (gitHubToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gitHubToken);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task GitLab_RetryOfAFailedJob_CreatesAPendingJobThatMovesOnEachRead_WithANewDeployment()
    {
        var gitLab = GitLabStubState.CreateDemo();
        await using var sandbox = await StartAsync(gitLab, GitHubStubState.Create("quiet"));
        Assert.True(gitLab.MarkDeployJobFailed());

        var retried = await SendAsync(sandbox.Http, HttpMethod.Post, $"gitlab/api/v4/projects/{Project}/jobs/4101/retry");

        Assert.Equal(HttpStatusCode.Created, retried.Code);
        Assert.Equal("gprd:upgrade", (string?)retried.Body!["name"]);
        Assert.Equal("pending", (string?)retried.Body["status"]);
        long newJob = (long)retried.Body["id"]!;
        Assert.Equal(4203, newJob);
        Assert.EndsWith($"/gitlab/{GitLabStubState.DemoProject}/-/jobs/4203", (string?)retried.Body["web_url"]);
        Assert.Equal([4101L], gitLab.RetriedJobs);

        var newest = await SendAsync(sandbox.Http, HttpMethod.Get, $"gitlab/api/v4/projects/{Project}/deployments?environment=gprd&order_by=id&sort=desc&per_page=1");
        Assert.Equal(("created", 4203L), ((string?)newest.Body![0]!["status"], (long)newest.Body[0]!["deployable"]!["id"]!));

        var statuses = new List<string?>();
        for (int i = 0; i < 3; i++)
        {
            statuses.Add((string?)(await SendAsync(sandbox.Http, HttpMethod.Get, $"gitlab/api/v4/projects/{Project}/jobs/{newJob}")).Body!["status"]);
        }

        Assert.Equal(["running", "success", "success"], statuses);
        var after = await SendAsync(sandbox.Http, HttpMethod.Get, $"gitlab/api/v4/projects/{Project}/deployments?environment=gprd&order_by=id&sort=desc&per_page=1");
        Assert.Equal("success", (string?)after.Body![0]!["status"]);
    }

    [Fact]
    public async Task GitLab_RetryOfARunningJob_IsRefusedLikeGitLab()
    {
        var gitLab = GitLabStubState.CreateDemo();
        await using var sandbox = await StartAsync(gitLab, GitHubStubState.Create("quiet"));

        var refused = await SendAsync(sandbox.Http, HttpMethod.Post, $"gitlab/api/v4/projects/{Project}/jobs/4101/retry");

        Assert.Equal(HttpStatusCode.Forbidden, refused.Code);
        Assert.Equal("403 Forbidden - Job is not retryable", (string?)refused.Body!["message"]);
        Assert.Empty(gitLab.RetriedJobs);
    }

    [Fact]
    public async Task GitLab_RetryWithAReadOnlyToken_Is403InsufficientScope()
    {
        var gitLab = new GitLabStubState { RequiredToken = "api-token", ReadOnlyToken = "read-token" };
        gitLab.AddProject(new GitLabStubProject(12, GitLabStubState.DemoProject));
        gitLab.AddPipeline(new GitLabStubPipeline(1, 12, "failed", "master"));
        gitLab.AddJob(new GitLabStubJob(5, 12, 1, "gprd:upgrade", "failed", "master", null));
        await using var sandbox = await StartAsync(gitLab, GitHubStubState.Create("quiet"));

        var read = await SendAsync(sandbox.Http, HttpMethod.Get, $"gitlab/api/v4/projects/{Project}/jobs/5", gitLabToken: "read-token");
        var retry = await SendAsync(sandbox.Http, HttpMethod.Post, $"gitlab/api/v4/projects/{Project}/jobs/5/retry", gitLabToken: "read-token");

        Assert.Equal(HttpStatusCode.OK, read.Code);
        Assert.Equal(HttpStatusCode.Forbidden, retry.Code);
        Assert.Equal(("insufficient_scope", "api"), ((string?)retry.Body!["error"], (string?)retry.Body["scope"]));
        Assert.Empty(gitLab.RetriedJobs);
    }

    [Fact]
    public async Task GitHub_Deploying_ShowsAnInProgressDeploymentWhoseStatusLinksItsRun()
    {
        await using var sandbox = await StartAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("deploying"));

        var deployments = await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/deployments?environment=production-eu");
        long newest = (long)deployments.Body![0]!["id"]!;
        var statuses = await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/deployments/{newest}/statuses?per_page=1");
        var runs = await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/actions/runs?status=in_progress");

        Assert.Equal([303L, 301L], deployments.Body.AsArray().Select(d => (long)d!["id"]!));
        Assert.Equal("in_progress", (string?)statuses.Body![0]!["state"]);
        Assert.EndsWith($"/{Repository}/actions/runs/9003/job/90031", (string?)statuses.Body[0]!["log_url"]);
        Assert.Equal(1, (int)runs.Body!["total_count"]!);
        Assert.Equal((9003L, ".github/workflows/deploy.yml", "Deploy"), ((long)runs.Body["workflow_runs"]![0]!["id"]!, (string?)runs.Body["workflow_runs"]![0]!["path"], (string?)runs.Body["workflow_runs"]![0]!["name"]));
    }

    [Fact]
    public async Task GitHub_RerunOfTheFailedRun_QueuesItAgainAndItCompletesOverReads()
    {
        var gitHub = GitHubStubState.Create("failed-run");
        await using var sandbox = await StartAsync(GitLabStubState.CreateDemo(), gitHub);

        var rerun = await SendAsync(sandbox.Http, HttpMethod.Post, $"github/repos/{Repository}/actions/runs/9003/rerun-failed-jobs");

        Assert.Equal(HttpStatusCode.Created, rerun.Code);
        Assert.Equal([9003L], gitHub.RerunRuns);
        var states = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var run = (await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/actions/runs/9003")).Body!;
            states.Add($"{run["status"]}/{run["conclusion"]}/{run["run_attempt"]}");
        }

        Assert.Equal(["in_progress//2", "completed/success/2", "completed/success/2"], states);
        var deployments = await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/deployments?environment=production-eu&per_page=1");
        var statuses = await SendAsync(sandbox.Http, HttpMethod.Get, $"github/repos/{Repository}/deployments/{deployments.Body![0]!["id"]}/statuses");
        Assert.Equal(["success", "in_progress", "queued"], statuses.Body!.AsArray().Select(s => (string?)s!["state"]));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "Requires authentication")]
    [InlineData("wrong", HttpStatusCode.Unauthorized, "Bad credentials")]
    [InlineData("read-token", HttpStatusCode.Forbidden, "Resource not accessible by personal access token")]
    public async Task GitHub_RerunWithoutTheRightToken_IsRefusedAndNothingIsRerun(string? token, HttpStatusCode expected, string message)
    {
        var gitHub = GitHubStubState.Create("failed-run", "api-token", "read-token");
        await using var sandbox = await StartAsync(GitLabStubState.CreateDemo(), gitHub);

        var rerun = await SendAsync(sandbox.Http, HttpMethod.Post, $"github/repos/{Repository}/actions/runs/9003/rerun-failed-jobs", gitHubToken: token);

        Assert.Equal((expected, message), (rerun.Code, (string?)rerun.Body!["message"]));
        Assert.Empty(gitHub.RerunRuns);
    }

    [Fact]
    public async Task GitHub_UnknownRepository_Is404NotFound()
    {
        await using var sandbox = await StartAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("quiet"));

        var missing = await SendAsync(sandbox.Http, HttpMethod.Get, "github/repos/acme/nope");

        Assert.Equal((HttpStatusCode.NotFound, "Not Found"), (missing.Code, (string?)missing.Body!["message"]));
    }

    [Fact]
    public async Task GitHub_OnePerPage_LinksTheNextPage()
    {
        await using var sandbox = await StartAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("failed-run"));

        using var response = await sandbox.Http.GetAsync($"github/repos/{Repository}/deployments?per_page=1&page=2");

        var link = Assert.Single(response.Headers.GetValues("Link"));
        Assert.Contains("page=3>; rel=\"next\"", link);
        Assert.Contains("page=1>; rel=\"prev\"", link);
    }
}
