using System.Net.Sockets;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// <c>run</c> in-process against the sandbox with a shell as COMMAND: it passes COMMAND's exit code (128+N for a
/// signal), records the outcome on the released Lease, and refuses bad input with one line, starting nothing.
/// </summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Command_ExitCodeIsPassedOn_AndTheReleasedLeaseRecordsIt()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        cli.UseSystemClock = true;

        var run = await cli.RunAsync("run", "--release", "web", "-n", "default", "--", "/bin/sh", "-c", "exit 3");

        Assert.True(run.ExitCode == 3, run.ToString());
        var lease = Lease(cli, "default", "helm-unstick.web")!;
        Assert.Equal("", (string?)lease["spec"]!["holderIdentity"]);
        Assert.Equal("3", (string?)lease["metadata"]!["annotations"]!["helm-unstick.io/exit-code"]);
        Assert.Equal("none", (string?)lease["metadata"]!["annotations"]!["helm-unstick.io/release-status"]);
        Assert.NotNull((string?)lease["metadata"]!["annotations"]!["helm-unstick.io/ended-at"]);
    }

    [Fact]
    public async Task CommandKilledBySignal_Exits128PlusN_AndTheLeaseNamesTheSignal()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        cli.UseSystemClock = true;

        var run = await cli.RunAsync("run", "--release", "web", "--", "/bin/sh", "-c", "kill -KILL $$");

        Assert.True(run.ExitCode == 137, run.ToString());
        Assert.Equal("SIGKILL", (string?)Lease(cli, "default", "helm-unstick.web")!["metadata"]!["annotations"]!["helm-unstick.io/signal"]);
    }

    public static TheoryData<string, string[], int, string> BadInput => new()
    {
        { "no --", ["run", "--release", "web", "/bin/true"], 2, "error: run needs -- before COMMAND, e.g. helm-unstick run -- helm upgrade --install web ./chart -n team-a" },
        { "nothing after --", ["run", "--release", "web", "--"], 2, "error: run needs a COMMAND after --, e.g. helm-unstick run -- helm upgrade --install web ./chart -n team-a" },
        { "a script without --release", ["run", "--", "/bin/sh", "-c", "helm upgrade web ./chart"], 2,
            "error: COMMAND is not helm, so run cannot tell which release it deploys: pass --release NAME (and -n NAMESPACE); nothing was started" },
        { "a command that does not exist", ["run", "--release", "web", "--", "helm-unstick-no-such-command", "upgrade"], 127,
            "error: helm-unstick-no-such-command: command not found; nothing was started" },
        { "a directory", ["run", "--release", "web", "--", "/tmp"], 126, "error: /tmp: is a directory; nothing was started" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadInput_OneLine_NothingStartedOrWritten(string because, string[] args, int exitCode, string line)
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());

        var run = await cli.RunAsync(args);

        Assert.True(run.ExitCode == exitCode, $"{because}: {run}");
        Assert.Equal(line, run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Empty(cli.Server.Store.List("coordination.k8s.io/v1", "leases"));
    }

    [Fact]
    public async Task ReleaseFlagAndHelmsReleaseDiffer_Exits2()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var helm = FakeHelm(cli);

        var run = await cli.RunAsync("run", "--release", "api", "--", helm, "upgrade", "web", "./chart");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --release api and helm's release web differ; pass one release, nothing was started", run.Err.Trim());
        Assert.Empty(cli.Server.Store.List("coordination.k8s.io/v1", "leases"));
    }

    [Fact]
    public async Task HelmWithoutARelease_SaysToPassRelease()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var helm = FakeHelm(cli);

        var run = await cli.RunAsync("run", "--", helm, "install", "--generate-name", "./chart");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: helm install names no release run can lock: pass --release NAME; nothing was started", run.Err.Trim());
    }

    [Fact]
    public async Task ReleaseFromHelmsArguments_NamesTheLease()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        cli.UseSystemClock = true;
        cli.Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team-a" } });
        var helm = FakeHelm(cli);

        var run = await cli.RunAsync("run", "--", helm, "upgrade", "--install", "web", "./chart", "-n", "team-a", "--set", "password=hunter2");

        Assert.True(run.ExitCode == 0, run.ToString());
        var annotations = Lease(cli, "team-a", "helm-unstick.web")!["metadata"]!["annotations"]!;
        Assert.Equal("upgrade ./chart", (string?)annotations["helm-unstick.io/command"]);
        Assert.DoesNotContain("hunter2", annotations.ToJsonString());
    }

    [Fact]
    public async Task UnreachableApiServer_Exits3_CommandNotStarted()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var port = FreePort();
        await File.WriteAllTextAsync(cli.Kubeconfig, cli.Server.KubeconfigYaml().Replace(cli.Server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var marker = Path.Combine(cli.Root, "started");

        var run = await cli.RunAsync("run", "--release", "web", "--request-timeout", "2s", "--", "/bin/sh", "-c", $"touch {marker}");

        Assert.True(run.ExitCode == 3, run.ToString());
        var line = Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot reach the API server http://127.0.0.1:{port}", line);
        Assert.EndsWith("; COMMAND was not started", line);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task HeldByAnotherRun_Exits1NamingTheHolder_CommandNotStarted()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        cli.UseSystemClock = true;
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
        cli.Server.Store.Upsert("coordination.k8s.io/v1", "leases", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "helm-unstick.web",
                ["namespace"] = "default",
                ["annotations"] = new JsonObject { ["helm-unstick.io/ci-job-url"] = "https://gitlab.example/ops/deploy/-/jobs/77", ["helm-unstick.io/command"] = "upgrade ./chart" },
            },
            ["spec"] = new JsonObject { ["holderIdentity"] = "runner-1/10/aaaaaa", ["leaseDurationSeconds"] = 60, ["acquireTime"] = now, ["renewTime"] = now },
        });
        var marker = Path.Combine(cli.Root, "started");

        var run = await cli.RunAsync("run", "--release", "web", "--", "/bin/sh", "-c", $"touch {marker}");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(
            @"^error: release web in default is held by runner-1/10/aaaaaa \(CI job https://gitlab.example/ops/deploy/-/jobs/77\) running upgrade ./chart, renewed [\d.]+m?s ago; COMMAND was not started. Wait for it with --wait-for-release DURATION$",
            run.Err.Trim());
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task ReleaseAlreadyStuck_Exits1WithTheVerdict_CommandNotStarted()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var marker = Path.Combine(cli.Root, "started");

        var run = await cli.RunAsync("run", "--release", "demo", "-n", "team-a", "--", "/bin/sh", "-c", $"touch {marker}");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("error: release demo in team-a is stuck at revision 4 (pending-upgrade), verdict stale; COMMAND was not started. Fix it first with --unstick-stale",
            run.Err.Split('\n')[0]);
        Assert.False(File.Exists(marker));
        Assert.Equal("", (string?)Lease(cli, "team-a", "helm-unstick.demo")!["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task UnstickStale_FixesTheStaleReleaseWithABackup_ThenRunsCommand()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var marker = Path.Combine(cli.Root, "started");

        var run = await cli.RunAsync("run", "--release", "demo", "-n", "team-a", "--unstick-stale", "--skip-ci-check", "--reason", "DRILL-17", "--", "/bin/sh", "-c", $"touch {marker}");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(marker));
        Assert.Equal("failed", (string?)cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!["metadata"]!["labels"]!["status"]);
        Assert.Matches(@"helm-unstick: --unstick-stale: .*; backup .*/backups/sandbox/team-a/.*; verified: ", run.Err);
    }

    [Fact]
    public async Task UnstickStale_WithBackupStoreSecret_KeepsTheBackupInASecret_AsFixDoes()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ops" } });

        var run = await cli.RunAsync("run", "--release", "demo", "-n", "team-a", "--unstick-stale", "--skip-ci-check", "--reason", "DRILL-17",
            "--backup-store", "secret", "--backup-namespace", "ops", "--", "/bin/true");

        Assert.True(run.ExitCode == 0, run.ToString());
        var backup = Assert.Single(cli.Server.Store.List("v1", "secrets", "ops"));
        Assert.Contains($"; backup secret://ops/{(string?)backup["metadata"]!["name"]}; verified: ", run.Err);
        Assert.False(Directory.Exists(Path.Combine(cli.StateDirectory, "backups")), "a backup file was written");
    }

    /// <summary>A script named helm that succeeds: run reads its arguments as helm's.</summary>
    private static string FakeHelm(CliHarness cli)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("run starts COMMAND with posix_spawn");
        }

        var path = Path.Combine(cli.Root, "bin", "helm");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static JsonObject? Lease(CliHarness cli, string ns, string name) => cli.Server.Store.Get("coordination.k8s.io/v1", "leases", ns, name);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
