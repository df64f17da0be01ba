using System.Diagnostics;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Safety;

/// <summary>
/// The audit log is a precondition of a change, like the backup; the files that hold Secrets and who changed what are
/// the owner's alone whatever the umask; a failed write never leaves a partial backup behind.
/// </summary>
public sealed class AuditAndBackupFileTests
{
    [Theory]
    [InlineData(RemediationStrategy.Delete)]
    [InlineData(RemediationStrategy.MarkFailed)]
    public async Task AuditLogCannotBeOpened_Exit3_NothingChanged_NoBackup(RemediationStrategy strategy)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var original = cli.Secret(Ns, Name)!.ToJsonString();
        // A directory where the log should be: no process, root included, can append to it.
        var audit = Directory.CreateDirectory(Path.Combine(cli.StateDirectory, "audit.log")).FullName;

        var run = await cli.RunAsync(Fix(strategy));

        Assert.True(run.ExitCode == 3, run.ToString());
        AssertErrorLine(run, $"cannot open the audit log {System.Text.RegularExpressions.Regex.Escape(audit)} for appending: .+; nothing was changed \\(make it writable, or set XDG_STATE_HOME\\)");
        Assert.Equal(original, cli.Secret(Ns, Name)!.ToJsonString());
        Assert.Empty(Backups(cli));
    }

    [Fact]
    public async Task RestoreWhenTheAuditLogCannotBeOpened_Exit3_NothingChanged()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        await cli.RunAsync(Fix(RemediationStrategy.Delete));
        var backup = Assert.Single(Backups(cli));
        File.Delete(Path.Combine(cli.StateDirectory, "audit.log"));
        Directory.CreateDirectory(Path.Combine(cli.StateDirectory, "audit.log"));

        var run = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("error: cannot open the audit log ", run.Err);
        Assert.Null(cli.Secret(Ns, Name));
    }

    [Fact]
    public async Task UnderUmask000_TheAuditLogIs0600_AndTheStateFolders0700()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var (code, output) = await RunUnderUmask000Async(cli, Fix(RemediationStrategy.Delete));

        Assert.True(code == 0, output);
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(cli.StateDirectory, "audit.log")));
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(Assert.Single(Backups(cli))));
        Assert.Equal(PrivateFile.OwnerOnlyDirectory, File.GetUnixFileMode(cli.StateDirectory));
        Assert.Equal(PrivateFile.OwnerOnlyDirectory, File.GetUnixFileMode(Path.Combine(cli.StateDirectory, "backups", "sandbox", Ns)));
    }

    [Fact]
    public async Task AnAuditLogLeftWorldReadable_IsNarrowedTo0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        Directory.CreateDirectory(cli.StateDirectory);
        var audit = Path.Combine(cli.StateDirectory, "audit.log");
        await File.WriteAllTextAsync(audit, "");
        File.SetUnixFileMode(audit, (UnixFileMode)0b110_110_110);

        var run = await cli.RunAsync(Fix(RemediationStrategy.Delete));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(audit));
    }

    [Fact]
    public void WriteThatFailsHalfway_LeavesNoFileBehind()
    {
        var directory = Directory.CreateTempSubdirectory("helm-unstick-atomic-").FullName;
        try
        {
            var path = Path.Combine(directory, "sh.helm.release.v1.demo.v4.json");

            var failed = Assert.Throws<IOException>(() => PrivateFile.WriteAtomically(path, stream =>
            {
                stream.Write(new byte[4096]);
                throw new IOException("No space left on device");
            }));

            Assert.Equal("No space left on device", failed.Message);
            Assert.Empty(Directory.GetFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The built helm-unstick in a shell whose umask is 000, with the harness's environment.</summary>
    private static async Task<(int Code, string Output)> RunUnderUmask000Async(CliHarness cli, string[] args)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-c", "umask 000 && exec \"$@\"", "sh", System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                     Path.Combine(Terminal.ChildProcess.HelmUnstickDirectory, "helm-unstick.dll"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in cli.Environment)
        {
            start.Environment[name] = value;
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (child.ExitCode, await output + await error);
    }
}
