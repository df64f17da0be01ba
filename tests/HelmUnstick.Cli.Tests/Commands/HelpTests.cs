namespace HelmUnstick.Cli.Tests.Commands;

public sealed class HelpTests
{
    [Theory]
    [InlineData(new[] { "--help" }, "Typical incident:")]
    [InlineData(new[] { "fix", "--help" }, "4 changed but not verified")]
    [InlineData(new[] { "scan", "--help" }, "--stale-after <DURATION>")]
    [InlineData(new[] { "restore", "--help" }, "refuses")]
    [InlineData(new[] { "explain", "--help" }, "matches-stuck")]
    [InlineData(new[] { "run", "--help" }, "5 the Lease was lost while COMMAND ran")]
    public async Task Help_ExplainsEachCommandAndExits0(string[] args, string expected)
    {
        await using var cli = await CliHarness.StartAsync("healthy");

        var run = await cli.RunAsync(args);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(expected, run.Out);
        Assert.Empty(run.Err);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("check --help")]
    [InlineData("fix --help")]
    [InlineData("history --help")]
    [InlineData("explain --help")]
    public async Task Help_NeverAsksTheCluster(string commandLine)
    {
        // Help is read when something is already wrong: it must not wait on a slow or unreachable apiserver.
        await using var cli = await CliHarness.StartAsync("healthy");
        using var anyRead = cli.Server.Faults.Respond("GET", ".*", 500, times: int.MaxValue);

        var run = await cli.RunAsync(commandLine.Split(' '));

        Assert.Equal((0, 0), (run.ExitCode, anyRead.Matched));
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageErrorPointingAtHelp()
    {
        await using var cli = await CliHarness.StartAsync("healthy");

        var run = await cli.RunAsync("rollback", "gitlab-cny");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--help", run.Err);
    }
}
