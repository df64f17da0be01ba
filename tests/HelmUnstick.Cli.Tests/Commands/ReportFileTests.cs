using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// <c>--report FILE</c> never replaces an existing file unless <c>--force-report</c>, and never writes through a
/// symlink. Refused before anything is read or changed, so that a fix is not made whose note then cannot be written.
/// </summary>
public sealed class ReportFileTests
{
    [Fact]
    public async Task ExistingFile_Exit2_BeforeTheFix_AndTheFileIsKept()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var report = Path.Combine(cli.Root, "incident.md");
        await File.WriteAllTextAsync(report, "yesterday's note");
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync([.. Fix(Core.Remediation.RemediationStrategy.Delete), "--report", report]);

        Assert.Equal((2, "", $"error: --report {report} already exists; choose another FILE, or pass --force-report to replace it (see 'helm-unstick fix --help')\n"),
            (run.ExitCode, run.Out, run.Err));
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Equal("yesterday's note", await File.ReadAllTextAsync(report));
    }

    [Fact]
    public async Task ExistingFile_WithForceReport_IsReplacedOwnerOnly()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var report = Path.Combine(cli.Root, "incident.md");
        await File.WriteAllTextAsync(report, "yesterday's note");

        var run = await cli.RunAsync("explain", "demo", "-n", Ns, "--report", report, "--force-report");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("# ", await File.ReadAllTextAsync(report));
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(report) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Fact]
    public async Task Symlink_IsRefused_AndWithForceReport_ReplacedButNeverFollowed()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var victim = Path.Combine(cli.Root, "authorized_keys");
        await File.WriteAllTextAsync(victim, "ssh-ed25519 AAAA oncall");
        var link = Path.Combine(cli.Root, "incident.md");
        File.CreateSymbolicLink(link, victim);
        var dangling = Path.Combine(cli.Root, "dangling.md");
        File.CreateSymbolicLink(dangling, Path.Combine(cli.Root, "nowhere"));

        var refused = await cli.RunAsync("explain", "demo", "-n", Ns, "--report", link);
        var danglingRefused = await cli.RunAsync("explain", "demo", "-n", Ns, "--report", dangling);
        var forced = await cli.RunAsync("explain", "demo", "-n", Ns, "--report", link, "--force-report");

        Assert.Equal((2, $"error: --report {link} already exists; choose another FILE, or pass --force-report to replace it (see 'helm-unstick explain --help')\n"), (refused.ExitCode, refused.Err));
        Assert.Equal(2, danglingRefused.ExitCode);
        Assert.False(File.Exists(Path.Combine(cli.Root, "nowhere")));
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("ssh-ed25519 AAAA oncall", await File.ReadAllTextAsync(victim));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.StartsWith("# ", await File.ReadAllTextAsync(link));
    }

    [Fact]
    public async Task ForceReportWithoutReport_Exit2()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("explain", "demo", "-n", Ns, "--force-report");

        Assert.Equal((2, "error: --force-report goes with --report FILE (see 'helm-unstick explain --help')\n"), (run.ExitCode, run.Err));
    }
}
