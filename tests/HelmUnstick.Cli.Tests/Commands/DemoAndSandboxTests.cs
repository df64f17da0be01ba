using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Cli.Tests.Commands;

public sealed class DemoAndSandboxTests
{
    /// <summary>Runs <c>helm-unstick-sandbox</c>, which serves a sandbox of its own, with a fresh home and state.</summary>
    private static async Task<CliRun> RunSandboxToolAsync(params string[] args)
    {
        await using var cli = await CliHarness.StartAsync("healthy");
        return await cli.RunSandboxToolAsync(args);
    }

    [Fact]
    public async Task Demo_WalksTheWholeRunbookAndExits0()
    {
        var run = await RunSandboxToolAsync("demo");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("gitlab-cny   gitlab-cny   1234       pending-upgrade", run.Out);
        Assert.Matches(@"BLOCKED +1\. No CI job is deploying to this cluster: CI is deploying", run.Out);
        Assert.Contains("/-/jobs/4101", run.Out);
        Assert.Contains("Verified: helm status shows revision 1233 (deployed)", run.Out);
        Assert.Contains("The release is unstuck without a rollback", run.Out);
    }

    [Fact]
    public async Task Fix_WhileAGitLabDeployJobRuns_RefusesAndNamesTheJob()
    {
        var gitLab = GitLabStubState.CreateDemo();
        await using var cli = await CliHarness.StartWithGitLabAsync(gitLab);
        string[] fix = ["fix", "gitlab-cny", "-n", "gitlab-cny", .. cli.GitLabDemoFlags, "--apply", "--yes"];
        var before = cli.Server.Store.ResourceVersion;

        var busy = await cli.RunAsync(fix);

        Assert.True(busy.ExitCode == 1, busy.ToString());
        Assert.Contains("gprd:upgrade (environment gprd) " + new Uri(cli.Server.BaseAddress, "gitlab/").ToString() + GitLabStubState.DemoProject + "/-/jobs/4101", busy.Out);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);

        gitLab.MarkDeployJobFinished();
        var quiet = await cli.RunAsync(fix);

        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Null(cli.Secret("gitlab-cny", "sh.helm.release.v1.gitlab-cny.v1234"));
    }

    [Fact]
    public async Task Fix_WaitForCiThatStaysBusy_ShowsProgressThenRefuses()
    {
        await using var cli = await CliHarness.StartWithGitLabAsync(GitLabStubState.CreateDemo());
        cli.UseSystemClock = true;
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(["fix", "gitlab-cny", "-n", "gitlab-cny", .. cli.GitLabDemoFlags, "--wait-for-ci", "1s", "--apply", "--yes"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("CI still busy after poll 1", run.Err);
        Assert.Matches(@"BLOCKED +1\. No CI job is deploying to this cluster: CI is deploying", run.Out);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Fact]
    public async Task Sandbox_UnknownScenario_ListsTheBuiltInOnes()
    {
        var run = await RunSandboxToolAsync("--scenario", "nope");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gitlab-cny", run.Err);
    }
}
