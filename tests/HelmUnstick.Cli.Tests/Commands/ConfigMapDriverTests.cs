namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// The real stuck upgrade moved to Helm's ConfigMap driver (the same payload text in <c>data.release</c>, one base64
/// layer less): every command finds it with <c>--driver configmap</c> or <c>HELM_DRIVER=configmap</c>.
/// </summary>
public sealed class ConfigMapDriverTests
{
    private const string Stuck = "sh.helm.release.v1.demo.v4";

    private static async Task<CliHarness> StartAsync()
    {
        var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.MoveReleasesToConfigMaps();
        return cli;
    }

    [Fact]
    public async Task ScanAndHistory_FindTheStuckRevision_ByFlagOrByHelmDriver()
    {
        await using var cli = await StartAsync();

        var scan = await cli.RunAsync("scan", "-A", "-o", "json", "--driver", "configmap");
        cli.SetEnvironment("HELM_DRIVER", "configmap");
        var history = await cli.RunAsync("history", "demo", "-n", "team-a");
        cli.SetEnvironment("HELM_DRIVER", null);
        var secrets = await cli.RunAsync("scan", "-A", "-o", "json");

        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray())!;
        Assert.Equal(("demo", 4, "stale", Stuck), ((string?)finding["release"], (int)finding["revision"]!, (string?)finding["verdict"], (string?)finding["secretName"]));
        Assert.True(history.ExitCode == 1, history.ToString());
        Assert.Matches(@"(?m)^4\s+.*pending-upgrade.*<- stuck", history.Out);
        Assert.Empty(JsonNode.Parse(secrets.Out)!.AsArray());
    }

    [Fact]
    public async Task Completion_OffersTheReleasesOfTheDriverAskedFor()
    {
        await using var cli = await StartAsync();
        const string line = "helm-unstick fix -n team-a --driver configmap ";
        const string secrets = "helm-unstick fix -n team-a ";

        var configMaps = await cli.RunAsync($"[suggest:{line.Length}]", line);
        var none = await cli.RunAsync($"[suggest:{secrets.Length}]", secrets);

        Assert.Equal("demo", configMaps.Out.Split('\n')[0]);
        Assert.DoesNotContain("demo", none.Out.Split('\n'));
    }

    [Fact]
    public async Task FixMarkFailed_RewritesTheConfigMapAsHelmEncodesIt_AndRestorePutsItBackExactly()
    {
        await using var cli = await StartAsync();
        var before = cli.Server.Store.Get("v1", "configmaps", "team-a", Stuck)!;

        var fix = await cli.RunAsync("fix", "demo", "-n", "team-a", "--driver", "configmap", "--strategy", "mark-failed",
            "--skip-ci-check", "--reason", "INC-7", "--apply", "--yes");

        Assert.True(fix.ExitCode == 0, fix.ToString());
        var marked = cli.Server.Store.Get("v1", "configmaps", "team-a", Stuck)!;
        Assert.Equal("failed", (string?)marked["metadata"]!["labels"]!["status"]);
        Assert.Equal(ReleaseStatus.Failed, ReleaseCodec.DecodeStoredValue((string)marked["data"]!["release"]!, StorageDriver.ConfigMap).Status);
        Assert.Null(cli.Secret("team-a", Stuck));

        var backup = Assert.Single(Directory.GetFiles(Path.Combine(cli.StateDirectory, "backups", "sandbox", "team-a")));
        Assert.Equal("ConfigMap", (string?)JsonNode.Parse(File.ReadAllText(backup))!["kind"]);
        var restore = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(restore.ExitCode == 0, restore.ToString());
        var restored = cli.Server.Store.Get("v1", "configmaps", "team-a", Stuck)!;
        Assert.Equal(before["data"]!.ToJsonString(), restored["data"]!.ToJsonString());
        Assert.Equal(before["metadata"]!["labels"]!.ToJsonString(), restored["metadata"]!["labels"]!.ToJsonString());
    }

    [Fact]
    public async Task FixDelete_DeletesTheConfigMap()
    {
        await using var cli = await StartAsync();

        var fix = await cli.RunAsync("fix", "demo", "-n", "team-a", "--driver", "configmap", "--skip-ci-check", "--reason", "INC-7", "--apply", "--yes");

        Assert.True(fix.ExitCode == 0, fix.ToString());
        Assert.Null(cli.Server.Store.Get("v1", "configmaps", "team-a", Stuck));
        Assert.Contains("delete ConfigMap team-a/sh.helm.release.v1.demo.v4", fix.Out);
    }

    [Theory]
    [InlineData("scan", "--driver", "sql")]
    [InlineData("scan", "HELM_DRIVER", "memory")]
    [InlineData("serve", "--driver", "sql")]
    [InlineData("serve", "HELM_DRIVER", "memory")]
    public async Task UnsupportedDriver_IsOneClearError_BeforeAnyWork(string command, string how, string name)
    {
        await using var cli = await StartAsync();
        string[] args = how == "--driver" ? [command, "-A", "--driver", name] : [command, "-A"];
        if (how == "HELM_DRIVER")
        {
            cli.SetEnvironment("HELM_DRIVER", name);
        }

        // Were the driver ignored, serve would run until this stops it (exit 0).
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = await cli.RunAsync(args, limit.Token);

        Assert.Equal(
            (2, $"error: {(how == "--driver" ? "--driver" : "$HELM_DRIVER")} '{name}' is not supported: helm-unstick works on the secret and configmap drivers; " +
                "for sql, follow the runbook by hand on the releases_v1 table: back up the release's newest row, then delete it (or set its status and body to failed)\n"),
            (run.ExitCode, run.Err));
    }
}
