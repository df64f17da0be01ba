using System.Net.Sockets;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace HelmUnstick.Cli.Tests.Ci;

public sealed class GitLabCiSourceTests : IDisposable
{
    private static readonly GitLabHttpOptions FastOptions = new()
    {
        TotalBudget = TimeSpan.FromSeconds(20),
        AttemptTimeout = TimeSpan.FromSeconds(5),
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
    };

    private readonly FakeGitLab _gitLab = new();

    public void Dispose() => _gitLab.Dispose();

    private GitLabSourceSettings Settings(string[]? environments = null, string[]? patterns = null, string[]? projects = null, bool withToken = true, Uri? url = null) =>
        new(
            url ?? _gitLab.Url,
            projects ?? [FakeGitLab.Project],
            new CiScope(environments ?? ["gprd"], patterns ?? []),
            null,
            withToken ? CiToken.ForGitLab(null, _ => FakeGitLab.Token) : null);

    private async Task<CiSourceReport> CheckAsync(GitLabSourceSettings? settings = null, GitLabHttpOptions? options = null)
    {
        using var source = new GitLabCiSource(settings ?? Settings(), options ?? FastOptions);
        return await source.CheckAsync(CancellationToken.None);
    }

    private static Dictionary<string, string> Query(params (string Name, string Value)[] pairs) => pairs.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public async Task Check_NothingActive_IsQuiet()
    {
        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Quiet, report.Verdict);
        Assert.Empty(report.Activities);
        Assert.Null(report.Error);
        Assert.Equal($"GitLab {_gitLab.Url.GetLeftPart(UriPartial.Authority)}", report.SourceName);
    }

    [Fact]
    public async Task Check_RunningJobInMappedEnvironment_BlocksAndUnrelatedEnvironmentDoesNot()
    {
        _gitLab.Answer("/api/v4/projects/12/deployments", $"[{FakeGitLab.DeploymentJson(55, "gprd", 31, 101, "gprd:upgrade")}]",
            parameters: Query(("environment", "gprd"), ("status", "running")));
        _gitLab.Answer("/api/v4/projects/12/jobs", $"[{FakeGitLab.JobJson(202, "gstg:upgrade")}, {FakeGitLab.JobJson(101, "gprd:upgrade")}]");
        _gitLab.Answer("/api/v4/projects/12/pipelines", $"[{FakeGitLab.PipelineJson(900)}]", parameters: Query(("status", "running")));

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal(
            [
                "Deployment 55 blocks https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/environments/31",
                "Job 101 blocks https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/jobs/101",
                "Job 202 listed https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/jobs/202",
                "Pipeline 900 listed https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/pipelines/900",
            ],
            report.Activities.Select(a => $"{a.Kind} {a.Id} {(a.Blocks ? "blocks" : "listed")} {a.WebUrl}"));
    }

    [Fact]
    public async Task Check_OnlyAnUnrelatedEnvironmentDeploying_IsQuiet()
    {
        _gitLab.Answer("/api/v4/projects/12/jobs", $"[{FakeGitLab.JobJson(202, "gstg:upgrade")}]");

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Quiet, report.Verdict);
        Assert.False(Assert.Single(report.Activities).Blocks);
    }

    [Fact]
    public async Task Check_JobMatchingMappedPattern_Blocks()
    {
        _gitLab.Answer("/api/v4/projects/12/jobs", $"[{FakeGitLab.JobJson(303, "gprd:migrate")}]");

        var report = await CheckAsync(Settings(environments: [], patterns: ["gprd:*"]));

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal("name matches job pattern 'gprd:*'", Assert.Single(report.Activities).Why);
    }

    [Fact]
    public async Task Check_JobWaitingOnMappedResourceGroup_Blocks()
    {
        _gitLab.Answer("/api/v4/projects/12/resource_groups", """[{"id": 3, "key": "gprd", "process_mode": "oldest_first"}]""");
        _gitLab.Answer("/api/v4/projects/12/resource_groups/gprd/upcoming_jobs", $"[{FakeGitLab.JobJson(404, "deploy", "waiting_for_resource")}]");

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal("waits on resource group gprd of a mapped environment", Assert.Single(report.Activities).Why);
    }

    [Fact]
    public async Task Check_NothingMapped_AnyActivePipelineBlocks()
    {
        _gitLab.Answer("/api/v4/projects/12/pipelines", $"[{FakeGitLab.PipelineJson(901, "pending")}]", parameters: Query(("status", "pending")));

        var report = await CheckAsync(Settings(environments: []));

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal("pending", Assert.Single(report.Activities).Status);
    }

    [Fact]
    public async Task Check_JobsAcrossPagesByNextPageHeader_ReadsEveryPage()
    {
        for (int page = 1; page <= 3; page++)
        {
            var parameters = page == 1 ? null : Query(("page", page.ToString()));
            _gitLab.Answer("/api/v4/projects/12/jobs", $"[{FakeGitLab.JobJson(page * 10, $"gprd:part{page}")}]",
                priority: page == 1 ? 20 : 10,
                parameters: parameters,
                headers: new Dictionary<string, string> { ["x-next-page"] = page < 3 ? (page + 1).ToString() : "", ["x-page"] = page.ToString() });
        }

        var report = await CheckAsync(Settings(environments: [], patterns: ["gprd:*"]));

        Assert.Equal([10L, 20L, 30L], report.Activities.Select(a => a.Id));
    }

    [Fact]
    public async Task Check_PipelinesAcrossPagesByLinkHeader_ReadsEveryPage()
    {
        string next = $"{_gitLab.Url.GetLeftPart(UriPartial.Authority)}/api/v4/projects/12/pipelines?status=running&per_page=100&page=2";
        _gitLab.Answer("/api/v4/projects/12/pipelines", $"[{FakeGitLab.PipelineJson(1)}]", priority: 20,
            parameters: Query(("status", "running")),
            headers: new Dictionary<string, string> { ["Link"] = $"<{next}>; rel=\"next\", <{next}>; rel=\"last\"" });
        _gitLab.Answer("/api/v4/projects/12/pipelines", $"[{FakeGitLab.PipelineJson(2)}]", priority: 10,
            parameters: Query(("status", "running"), ("page", "2")));

        var report = await CheckAsync(Settings(environments: []));

        Assert.Equal([1L, 2L], report.Activities.Select(a => a.Id));
    }

    [Fact]
    public async Task Check_LinkToAnotherHost_IsNotFollowed()
    {
        _gitLab.Answer("/api/v4/projects/12/pipelines", $"[{FakeGitLab.PipelineJson(1)}]", parameters: Query(("status", "running")),
            headers: new Dictionary<string, string> { ["Link"] = "<https://elsewhere.example.net/api/v4/projects/12/pipelines?page=2>; rel=\"next\"" });

        var report = await CheckAsync(Settings(environments: []));

        Assert.Equal(CiVerdict.Busy, report.Verdict);
        Assert.Equal([1L], report.Activities.Select(a => a.Id));
    }

    [Fact]
    public async Task Check_ProjectPath_IsSentUrlEncodedWithTheToken()
    {
        // WireMock matches on the decoded path; the raw URL shows what went over the wire.
        _gitLab.Answer("/api/v4/projects/gitlab-com/gl-infra/k8s-workgroups", FakeGitLab.ProjectJson(7, "gitlab-com/gl-infra/k8s-workgroups"), priority: 5);

        var report = await CheckAsync(Settings(environments: [], projects: ["gitlab-com/gl-infra/k8s-workgroups"]));

        Assert.Equal(CiVerdict.Quiet, report.Verdict);
        var first = _gitLab.Server.LogEntries.First();
        Assert.Contains("/api/v4/projects/gitlab-com%2Fgl-infra%2Fk8s-workgroups", first.RequestMessage.AbsoluteUrl);
        Assert.All(_gitLab.Server.LogEntries, e => Assert.Equal(FakeGitLab.Token, e.RequestMessage.Headers!["PRIVATE-TOKEN"].Single()));
    }

    [Theory]
    [InlineData(401, true, "rejected the token (401): it is invalid or expired")]
    [InlineData(401, false, "requires a token (401): set GITLAB_TOKEN or pass --gitlab-token-file")]
    [InlineData(403, true, "the token may not read project '12' (403): it needs the read_api scope and access to the project")]
    [InlineData(404, true, "project '12' not found on ")]
    [InlineData(500, true, "answered 500 Internal Server Error for project '12' after 3 attempts")]
    [InlineData(400, true, "answered 400 Bad Request for project '12'")]
    [InlineData(302, true, "redirected the request for project '12' to elsewhere (302): pass the final GitLab URL")]
    [InlineData(429, true, "kept rate-limiting the requests for project '12' (429) after 3 attempts")]
    public async Task Check_ErrorStatus_IsUnavailableWithOneClearLine(int status, bool withToken, string expected)
    {
        _gitLab.Answer("/api/v4/projects/12", $$"""{"message": "{{status}} error"}""", status: status, priority: 1,
            headers: status == 429 ? new Dictionary<string, string> { ["Retry-After"] = "0" } : null);

        var report = await CheckAsync(Settings(withToken: withToken));

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Contains(expected, report.Error);
        Assert.DoesNotContain('\n', report.Error!);
        Assert.DoesNotContain(FakeGitLab.Token, report.Error!);
    }

    [Fact]
    public async Task Check_RedirectToAnotherHost_IsNotFollowedSoTheTokenStaysHome()
    {
        using var elsewhere = new FakeGitLab();
        _gitLab.Answer("/api/v4/projects/12", "", status: 302, priority: 1,
            headers: new Dictionary<string, string> { ["Location"] = $"{elsewhere.Url}api/v4/projects/12" });

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Contains($"redirected the request for project '12' to {elsewhere.Url.GetLeftPart(UriPartial.Authority)} (302)", report.Error);
        Assert.Empty(elsewhere.Server.LogEntries);
    }

    [Fact]
    public async Task Check_UnknownEnvironment_NamesIt()
    {
        var report = await CheckAsync(Settings(environments: ["gprd", "gprd-cnry"]));

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Equal("environment 'gprd-cnry' not found in project '12' (404)", report.Error);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task Check_TransientFailureThenSuccess_RetriesAndAnswers(int status)
    {
        _gitLab.Server.Given(Request.Create().WithPath("/api/v4/projects/12").UsingGet()).AtPriority(1)
            .InScenario("flaky").WillSetStateTo("recovered")
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Retry-After", "1").WithBody("""{"message": "try later"}"""));
        _gitLab.Server.Given(Request.Create().WithPath("/api/v4/projects/12").UsingGet()).AtPriority(1)
            .InScenario("flaky").WhenStateIs("recovered")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(FakeGitLab.ProjectJson(12, "gitlab-com/gl-infra/k8s-workloads/gitlab-com")));

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Quiet, report.Verdict);
        Assert.Equal(2, _gitLab.Server.LogEntries.Count(e => e.RequestMessage.Path == "/api/v4/projects/12"));
    }

    [Fact]
    public async Task Check_SlowAnswers_GiveUpAfterAttemptTimeouts()
    {
        _gitLab.Answer("/api/v4/projects/12", FakeGitLab.ProjectJson(12, "x/y"), priority: 1, delay: TimeSpan.FromSeconds(3));

        var report = await CheckAsync(options: FastOptions with { AttemptTimeout = TimeSpan.FromMilliseconds(200), MaxRetries = 1 });

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Equal("no answer within 200ms after 2 attempts", report.Error);
    }

    [Fact]
    public async Task Check_SlowAnswers_StopAtTheTotalTimeBudget()
    {
        _gitLab.Answer("/api/v4/projects/12", FakeGitLab.ProjectJson(12, "x/y"), priority: 1, delay: TimeSpan.FromSeconds(5));

        var report = await CheckAsync(options: FastOptions with { TotalBudget = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Equal("no complete answer within the 300ms time budget", report.Error);
    }

    [Fact]
    public async Task Check_AnswerThatIsNotGitLabJson_IsUnavailable()
    {
        _gitLab.Answer("/api/v4/projects/12/jobs", "<html>login</html>", priority: 1);

        var report = await CheckAsync();

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Equal("the answer for jobs of project '12' is not the JSON GitLab sends (is the URL a GitLab instance?)", report.Error);
    }

    [Fact]
    public async Task Check_UnreachableHost_IsUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var report = await CheckAsync(Settings(url: new Uri($"http://127.0.0.1:{port}")));

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.StartsWith($"cannot reach 127.0.0.1:{port}", report.Error);
    }

    [Fact]
    public async Task Check_UntrustedCertificate_IsUnavailableNamingTls()
    {
        using var certificate = FakeGitLab.CreateLoopbackCertificate();
        using var tlsGitLab = new FakeGitLab(certificate);

        var report = await CheckAsync(Settings(url: tlsGitLab.Url));

        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.StartsWith($"TLS handshake with {tlsGitLab.Url.Authority} failed: the certificate is not trusted (pass --gitlab-ca-file", report.Error);
        Assert.Empty(tlsGitLab.Server.LogEntries);
    }

    [Fact]
    public async Task Check_CertificateTrustedThroughCaFile_Answers()
    {
        using var certificate = FakeGitLab.CreateLoopbackCertificate();
        using var tlsGitLab = new FakeGitLab(certificate);
        string caFile = Path.GetTempFileName();
        File.WriteAllText(caFile, certificate.ExportCertificatePem());
        try
        {
            var report = await CheckAsync(Settings(url: tlsGitLab.Url) with { CaFile = caFile });

            Assert.Equal(CiVerdict.Quiet, report.Verdict);
            Assert.NotEmpty(tlsGitLab.Server.LogEntries);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public void Source_MissingCaFile_FailsWithOneLine()
    {
        var settings = Settings() with { CaFile = "/nonexistent/ca.pem" };

        var error = Assert.Throws<CiConfigException>(() => new GitLabCiSource(settings, FastOptions));

        Assert.StartsWith("--gitlab-ca-file /nonexistent/ca.pem: cannot load PEM certificates", error.Message);
    }

    [Fact]
    public async Task Token_NeverAppearsInAnyReport()
    {
        var answers = new List<CiSourceReport>();
        foreach (int status in new[] { 401, 403, 404, 500 })
        {
            _gitLab.Server.Reset();
            _gitLab.Answer("/api/v4/projects/12", "{}", status: status, priority: 1);
            answers.Add(await CheckAsync(options: FastOptions with { MaxRetries = 0 }));
        }

        Assert.All(answers, a => Assert.DoesNotContain(FakeGitLab.Token, $"{a} {a.Error} {string.Join(",", a.Activities)}"));
        Assert.All(answers, a => Assert.Equal(CiVerdict.Unavailable, a.Verdict));
    }
}
