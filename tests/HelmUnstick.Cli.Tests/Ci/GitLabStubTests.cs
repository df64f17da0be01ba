using System.Text.Json;
using HelmUnstick.Sandbox.GitLab;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HelmUnstick.Cli.Tests.Ci;

public sealed class GitLabStubTests : IAsyncLifetime
{
    private const string Token = "glpat-stub-secret";

    private readonly GitLabStubState _state = GitLabStubState.CreateDemo(requiredToken: Token);
    private WebApplication? _app;
    private Uri _baseUrl = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGitLabStub(_state);
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _baseUrl = new Uri($"{address}/gitlab");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private GitLabSourceSettings Settings(string project = GitLabStubState.DemoProject, string token = Token, string[]? environments = null) =>
        new(_baseUrl, [project], new CiScope(environments ?? ["gprd"], []), null, CiToken.ForGitLab(null, _ => token));

    private static async Task<CiSourceReport> CheckAsync(GitLabSourceSettings settings, int perPage = 100)
    {
        using var source = new GitLabCiSource(settings, new GitLabHttpOptions { PerPage = perPage, MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(5) });
        return await source.CheckAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Source_DemoWhileGprdDeploys_IsBusyOnlyForTheGprdWork()
    {
        var report = await CheckAsync(Settings());

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal(
            ["Deployment 501 blocks", "Job 4101 blocks", "Job 4202 listed", "Pipeline 2002 listed", "Pipeline 2001 listed"],
            report.Activities.Select(a => $"{a.Kind} {a.Id} {(a.Blocks ? "blocks" : "listed")}"));
        Assert.Equal(
            $"{_baseUrl}/{GitLabStubState.DemoProject}/-/jobs/4101",
            report.Activities.Single(a => a.Kind == CiActivityKind.Job && a.Id == 4101).WebUrl);
    }

    [Fact]
    public async Task Source_AfterTheDeployJobFinished_IsQuiet()
    {
        Assert.True(_state.MarkDeployJobFinished());

        var report = await CheckAsync(Settings());

        Assert.Equal(CiVerdict.Quiet, report.Verdict);
        Assert.DoesNotContain(report.Activities, a => a.Id is 4101 or 501 or 2001);
    }

    [Fact]
    public async Task Source_OnePerPage_FollowsTheStubsPaging()
    {
        var report = await CheckAsync(Settings(environments: []), perPage: 1);

        Assert.Equal([4101L, 4202L], report.Activities.Where(a => a.Kind == CiActivityKind.Job).Select(a => a.Id));
        Assert.Equal([2002L, 2001L], report.Activities.Where(a => a.Kind == CiActivityKind.Pipeline).Select(a => a.Id));
    }

    [Theory]
    [InlineData(GitLabStubState.DemoProject, "wrong-token", "rejected the token (401)")]
    [InlineData("gitlab-com/no-such-project", Token, "project 'gitlab-com/no-such-project' not found on")]
    public async Task Source_AgainstStubErrors_GetsOneClearLine(string project, string token, string expected)
    {
        var report = await CheckAsync(Settings(project, token));

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Contains(expected, report.Error);
    }

    [Fact]
    public async Task Stub_ProjectByEncodedPathOrId_AnswersLikeGitLab()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("PRIVATE-TOKEN", Token);

        using var byPath = await http.GetAsync($"{_baseUrl}/api/v4/projects/{Uri.EscapeDataString(GitLabStubState.DemoProject)}");
        using var byId = await http.GetAsync($"{_baseUrl}/api/v4/projects/12");

        Assert.Equal(HttpStatusCode.OK, byPath.StatusCode);
        using var project = JsonDocument.Parse(await byPath.Content.ReadAsStringAsync());
        Assert.Equal(12, project.RootElement.GetProperty("id").GetInt64());
        Assert.Equal(GitLabStubState.DemoProject, project.RootElement.GetProperty("path_with_namespace").GetString());
        Assert.Equal(await byPath.Content.ReadAsStringAsync(), await byId.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stub_JobsByScope_ArePagedWithGitLabHeaders()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("PRIVATE-TOKEN", Token);

        using var response = await http.GetAsync($"{_baseUrl}/api/v4/projects/12/jobs?scope[]=running&scope[]=pending&per_page=1");

        Assert.Equal("2", response.Headers.GetValues("x-next-page").Single());
        Assert.Equal("2", response.Headers.GetValues("x-total").Single());
        Assert.Contains("rel=\"next\"", response.Headers.GetValues("Link").Single());
        using var jobs = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var job = Assert.Single(jobs.RootElement.EnumerateArray());
        Assert.Equal("running", job.GetProperty("status").GetString());
        Assert.Equal(2002, job.GetProperty("pipeline").GetProperty("id").GetInt64());
    }

    [Fact]
    public void State_FinishingAnUnknownJob_ReportsFalse()
    {
        Assert.False(_state.MarkJobFinished(999_999));
    }
}
