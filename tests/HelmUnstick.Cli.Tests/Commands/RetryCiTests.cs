using HelmUnstick.Sandbox.GitHub;
using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// The runbook's last step against the CI stubs on loopback: <c>fix --apply --retry-ci [--follow]</c> and <c>retry-ci</c>
/// on GitLab and GitHub, and GitHub as a CI source for the preflight.
/// </summary>
public sealed class RetryCiTests
{
    private const string Release = "gitlab-cny";
    private const string StuckSecret = "sh.helm.release.v1.gitlab-cny.v1234";
    private static readonly TimeSpan PollWaits = TimeSpan.FromSeconds(11);

    private static string[] Fix(params string[] more) => ["fix", Release, "-n", Release, "--apply", "--yes", .. more];

    /// <summary>Runs with a fake clock that skips the poll waits: following a job takes no real time.</summary>
    private static async Task<CliRun> RunFollowingAsync(CliHarness cli, string[] args)
    {
        var clock = new RetryClock(cli.Now);
        cli.Clock = clock;
        return await clock.SkipWaitsShorterThanAsync(PollWaits, cli.RunAsync(args));
    }

    private static string JobUrl(CliHarness cli, long job) => $"{new Uri(cli.Server.BaseAddress, "gitlab/")}{GitLabStubState.DemoProject}/-/jobs/{job}";

    /// <summary>The demo's gprd deploy job failed when its helm was killed; gstg's failed after it (a newer deployment of another environment).</summary>
    private static GitLabStubState BothDeploysFailed(string? requiredToken = null, string? readOnlyToken = null)
    {
        var gitLab = GitLabStubState.CreateDemo(requiredToken, readOnlyToken);
        gitLab.MarkDeployJobFailed();
        gitLab.FinishJob(4202, "failed");
        return gitLab;
    }

    [Fact]
    public async Task FixRetryCiFollow_RetriesOnlyTheMappedEnvironmentsFailedJob_FollowsItToSuccess_Exits0Remediated()
    {
        var gitLab = BothDeploysFailed();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([4101L], gitLab.RetriedJobs);
        Assert.Null(cli.Secret(Release, StuckSecret));
        Assert.Contains($"  Retried gprd:upgrade (job 4101, environment gprd, {GitLabStubState.DemoProject}): {JobUrl(cli, 4203)}", run.Out);
        Assert.Contains("  Job 4203: success", run.Out);
        Assert.Contains($"Remediated: gprd:upgrade re-ran and succeeded ({JobUrl(cli, 4203)}); Helm's newest revision 1233 is deployed", run.Out);
        Assert.Contains($"Job 4203 still running after poll 1", run.Err);
    }

    [Fact]
    public async Task FixRetryCiJson_CarriesTheRetryObject_AndTheAuditLogRecordsIt()
    {
        var gitLab = BothDeploysFailed();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow", "-o", "json"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        var retry = JsonNode.Parse(run.Out)!["retry"]!;
        Assert.Equal(
            ("gitlab", GitLabStubState.DemoProject, 4203L, JobUrl(cli, 4203), "success", 4101L, true),
            ((string?)retry["source"], (string?)retry["project"], (long)retry["job"]!, (string?)retry["url"], (string?)retry["outcome"], (long)retry["retriedJob"]!, (bool)retry["remediated"]!));
        var audit = File.ReadAllLines(Path.Combine(cli.StateDirectory, "audit.log")).Select(l => JsonNode.Parse(l)!).ToList();
        var retried = Assert.Single(audit, a => (string?)a["action"] == "retry-ci");
        Assert.Equal(
            ("oncall", "gitlab", 4101L, 4203L, JobUrl(cli, 4203)),
            ((string?)retried["user"], (string?)retried["ciJob"]!["source"], (long)retried["ciJob"]!["retriedJob"]!, (long)retried["ciJob"]!["job"]!, (string?)retried["ciJob"]!["url"]));
    }

    [Fact]
    public async Task FixRetryCiFollow_NewJobFails_Exits1WithItsUrlAndWhatHelmShows_AndTheReportSaysSo()
    {
        var gitLab = BothDeploysFailed();
        gitLab.RetriedJobProgression = ["running", "failed"];
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        var report = Path.Combine(cli.Root, "incident.md");

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow", "--report", report]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Null(cli.Secret(Release, StuckSecret));
        Assert.Contains("  Job 4203: failed", run.Out);
        Assert.Contains("  Helm now: helm status shows revision 1233 (deployed)", run.Out);
        Assert.Contains($"Not remediated: job 4203 failed: {JobUrl(cli, 4203)}; Helm's newest revision 1233 is deployed", run.Out);
        var note = File.ReadAllText(report);
        Assert.Contains("## Re-run of the failed deploy job", note);
        Assert.Contains("- Outcome: failed", note);
        Assert.Contains($"- New job: {JobUrl(cli, 4203)}", note);
    }

    [Fact]
    public async Task FixRetryCiFollow_HelmPendingAgainAfterTheJob_Exits1WithTheVerdict()
    {
        var gitLab = BothDeploysFailed();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        var stuck = cli.Secret(Release, StuckSecret)!.DeepClone().AsObject();
        stuck["metadata"]!.AsObject().Remove("resourceVersion");
        stuck["metadata"]!.AsObject().Remove("uid");
        // The re-run deploy dies the same way: its helm leaves revision 1234 pending again.
        gitLab.OnJobFinished = job => cli.Server.Store.Upsert("v1", "secrets", stuck.DeepClone().AsObject());

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("  Job 4203: success", run.Out);
        Assert.Contains("  Helm now: helm status shows revision 1234 (pending-upgrade); helm upgrade fails", run.Out);
        Assert.Matches(@"  Verdict: (stale|possibly-running|unknown)", run.Out);
        Assert.Contains("Helm's newest revision 1234 is pending-upgrade (verdict ", run.Out);
    }

    [Fact]
    public async Task FixRetryCiFollow_JobStillRunningAtTheTimeout_Exits1AndLeavesItRunning()
    {
        var gitLab = BothDeploysFailed();
        gitLab.RetriedJobProgression = [.. Enumerable.Repeat("running", 20)];
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow", "--timeout", "30s"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"Not remediated: job 4203 still running when --timeout passed (left running): {JobUrl(cli, 4203)}", run.Out);
        Assert.Contains("Job 4203 still running after poll 3 (20s elapsed, 10s left)", run.Err);
        Assert.DoesNotContain("poll 4", run.Err);
        Assert.Empty(gitLab.RetriedJobs.Skip(1));
    }

    [Fact]
    public async Task FixRetryCi_NoFailedDeployJob_Exits1NamingWhatWasSearched_AndRetriesNothing()
    {
        var gitLab = GitLabStubState.CreateDemo();
        gitLab.MarkDeployJobFinished();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);

        var run = await cli.RunAsync(Fix([.. cli.GitLabDemoFlags, "--retry-ci"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Null(cli.Secret(Release, StuckSecret));
        Assert.Empty(gitLab.RetriedJobs);
        Assert.Contains(
            $"Not remediated: no failed deploy job found in environment gprd of project {GitLabStubState.DemoProject} on GitLab {new Uri(cli.Server.BaseAddress, "gitlab")}: nothing was retried",
            run.Out);
    }

    [Fact]
    public async Task FixRetryCi_FixBlockedByARunningDeploy_RetriesNothingAndChangesNothing()
    {
        var gitLab = GitLabStubState.CreateDemo();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(Fix([.. cli.GitLabDemoFlags, "--retry-ci", "--follow"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(gitLab.RetriedJobs);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.DoesNotContain("Retried", run.Out);
    }

    [Fact]
    public async Task RetryCi_TokenWithoutTheApiScope_SaysSoInOneLine_AndNeverPrintsTheToken()
    {
        const string readOnly = "glpat-READONLYsecret";
        var gitLab = BothDeploysFailed(requiredToken: "glpat-APIsecret", readOnlyToken: readOnly);
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        await cli.RunAsync(Fix("--skip-ci-check", "--reason", "INC-1"));
        cli.SetEnvironment("GITLAB_TOKEN", readOnly);

        var run = await cli.RunAsync(["retry-ci", Release, "-n", Release, .. cli.GitLabDemoFlags]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(gitLab.RetriedJobs);
        var line = Assert.Single(run.Out.Split('\n'), l => l.Contains("403", StringComparison.Ordinal));
        Assert.Equal(
            $"Not remediated: nothing was retried: GitLab {new Uri(cli.Server.BaseAddress, "gitlab")}: the token may not retry job 4101 of project '{GitLabStubState.DemoProject}' (403): " +
            "a retry needs a token with the api scope (read_api only reads) and Developer access to the project",
            line);
        Assert.DoesNotContain(readOnly, run.Out + run.Err);
    }

    [Fact]
    public async Task RetryCi_HelmStillPending_RetriesNothing()
    {
        var gitLab = BothDeploysFailed();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);

        var run = await cli.RunAsync(["retry-ci", Release, "-n", Release, .. cli.GitLabDemoFlags]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(gitLab.RetriedJobs);
        Assert.Contains("Helm still shows revision 1234 pending-upgrade: a retried deploy would fail again", run.Out);
    }

    [Fact]
    public async Task RetryCi_WithoutFollow_RetriesPrintsTheUrlAndExits0()
    {
        var gitLab = BothDeploysFailed();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        await cli.RunAsync(Fix("--skip-ci-check", "--reason", "INC-1"));

        var run = await cli.RunAsync(["retry-ci", Release, "-n", Release, .. cli.GitLabDemoFlags, "-o", "json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([4101L], gitLab.RetriedJobs);
        var retry = JsonNode.Parse(run.Out)!["retry"]!;
        Assert.Equal(("retried", JobUrl(cli, 4203)), ((string?)retry["outcome"], (string?)retry["url"]));
    }

    [Theory]
    [InlineData("fix")]
    [InlineData("retry-ci")]
    public async Task RetryWithoutAnyCiSource_IsAUsageError_AndChangesNothing(string command)
    {
        await using var cli = await CliHarness.StartWithGitLabAsync(BothDeploysFailed());
        var before = cli.Server.Store.ResourceVersion;
        string[] args = command == "fix" ? Fix("--retry-ci", "--skip-ci-check", "--reason", "INC-1") : ["retry-ci", Release, "-n", Release];

        var run = await cli.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.Contains($"{(command == "fix" ? "--retry-ci" : "retry-ci")} needs a CI source for context sandbox", run.Err);
    }

    [Theory]
    [InlineData(new[] { "--retry-ci", "--yes" }, "--retry-ci needs --apply")]
    [InlineData(new[] { "--apply", "--yes", "--follow" }, "--follow needs --retry-ci")]
    [InlineData(new[] { "--apply", "--yes", "--retry-ci", "--timeout", "5m" }, "--timeout and --poll-interval need --follow")]
    [InlineData(new[] { "--apply", "--yes", "--github-repository", "platform-deploy" }, "--github-repository 'platform-deploy' is not OWNER/NAME")]
    public async Task Fix_BadRetryOrGitHubFlags_FailWithOneLine(string[] flags, string expected)
    {
        await using var cli = await CliHarness.StartWithGitLabAsync(BothDeploysFailed());
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(["fix", Release, "-n", Release, .. flags]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(expected, run.Err);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Fact]
    public async Task GitHub_DeploymentInProgressToTheMappedEnvironment_BlocksFixApply_NamingTheRun()
    {
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("deploying"));
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(Fix(cli.GitHubDemoFlags));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Contains(
            $"in_progress deployment #303 Deploy #43 (environment production-eu) {new Uri(cli.Server.BaseAddress, "github/")}web/{GitHubStubState.DemoRepository}/actions/runs/9003 - blocks: deploys to mapped environment production-eu",
            run.Out);
    }

    [Fact]
    public async Task GitHub_RunDeployingToAnotherEnvironment_DoesNotBlock()
    {
        var gitHub = GitHubStubState.Create("quiet");
        gitHub.StartDeploy("staging");
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), gitHub);

        var run = await cli.RunAsync(Fix(cli.GitHubDemoFlags));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(cli.Secret(Release, StuckSecret));
        Assert.Contains("No CI job is deploying to this cluster: quiet (GitHub ", run.Out);
    }

    [Fact]
    public async Task GitHub_BadToken_BlocksFailClosed_AndNeverPrintsTheToken()
    {
        const string token = "ghp_WRONGsecretValue123";
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("quiet", requiredToken: "ghp_right"));
        cli.SetEnvironment("GITHUB_TOKEN", token);
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(Fix([.. cli.GitHubDemoFlags, "-v"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Contains($"{new Uri(cli.Server.BaseAddress, "github")} rejected the token (401): it is invalid or expired", run.Out);
        Assert.DoesNotContain(token, run.Out + run.Err);
    }

    [Fact]
    public async Task GitHub_FailingApi_BlocksFailClosed()
    {
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("quiet"));
        cli.Server.Faults.Respond("GET", "^/github/repos/.*/actions/runs", 503, times: int.MaxValue);
        var before = cli.Server.Store.ResourceVersion;

        var run = await RunFollowingAsync(cli, Fix(cli.GitHubDemoFlags));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Contains("CI could not be checked", run.Out);
        Assert.Contains("answered 503", run.Out);
    }

    [Fact]
    public async Task GitHub_UnknownRepository_OneLineNamingIt()
    {
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), GitHubStubState.Create("quiet"));

        var run = await cli.RunAsync(["check", Release, "-n", Release, "--github-url", new Uri(cli.Server.BaseAddress, "github").ToString(), "--github-repository", "acme/nope"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"repository 'acme/nope' not found on {new Uri(cli.Server.BaseAddress, "github")} (404)", run.Out);
    }

    [Fact]
    public async Task GitHub_FixRetryCiFollow_RerunsTheFailedRunOfTheMappedEnvironment_NotTheNewerOneOfAnother()
    {
        var gitHub = GitHubStubState.Create("failed-run", requiredToken: "ghp_right");
        await using var cli = await CliHarness.StartWithCiAsync(GitLabStubState.CreateDemo(), gitHub);
        cli.SetEnvironment("GITHUB_TOKEN", "ghp_right");

        var run = await RunFollowingAsync(cli, Fix([.. cli.GitHubDemoFlags, "--retry-ci", "--follow", "-o", "json"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([9003L], gitHub.RerunRuns);
        var retry = JsonNode.Parse(run.Out)!["retry"]!;
        Assert.Equal(
            ("github", GitHubStubState.DemoRepository, 9003L, $"{new Uri(cli.Server.BaseAddress, "github/")}web/{GitHubStubState.DemoRepository}/actions/runs/9003", "success", "production-eu"),
            ((string?)retry["source"], (string?)retry["project"], (long)retry["job"]!, (string?)retry["url"], (string?)retry["outcome"], (string?)retry["environment"]));
        Assert.DoesNotContain("ghp_right", run.Out + run.Err);
    }
}
