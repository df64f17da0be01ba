namespace HelmUnstick.Cli.Tests.Commands;

public sealed class CheckAndHistoryTests
{
    [Fact]
    public async Task Check_StaleStuckRevisionOnHealthyCluster_IsClearAsJsonWithEvidence()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        var run = await cli.RunAsync("check", "gitlab-cny", "-n", "gitlab-cny", "--skip-ci-check", "--reason", "drill", "-o", "json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var report = JsonNode.Parse(run.Out)!;
        Assert.Equal(("stuck", 1234, "pending-upgrade", false), ((string?)report["state"], (int)report["stuckRevision"]!, (string?)report["stuckStatus"], (bool)report["blocked"]!));
        var checks = report["checks"]!.AsArray();
        Assert.Equal(["overridden", "passed", "passed"], checks.Select(c => (string?)c!["outcome"]));
        Assert.Contains(checks[1]!["evidence"]!.AsArray(), e => ((string?)e)!.StartsWith("Deployment gitlab-cny-webservice: updated 19/20", StringComparison.Ordinal));
        Assert.Contains("helm status shows revision 1233 (deployed)", (string?)report["helmAfterFix"]);
    }

    [Fact]
    public async Task Check_SickWorkload_IsBlockedAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        cli.EditLive("apps/v1", "deployments", "gitlab-cny", "gitlab-cny-sidekiq", deployment => deployment["status"]!["updatedReplicas"] = 2);
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync("check", "gitlab-cny", "-n", "gitlab-cny", "--skip-ci-check", "--reason", "drill");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Deployment gitlab-cny-sidekiq: updated replicas 2 of 8", run.Out);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Fact]
    public async Task History_MarksTheStuckRevisionAndLabelDisagreement()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.SetStatusLabel("team-a", "sh.helm.release.v1.demo.v2", "deployed");

        var table = await cli.RunAsync("history", "demo", "-n", "team-a");
        var json = await cli.RunAsync("history", "demo", "-n", "team-a", "-o", "json");

        Assert.Equal(1, table.ExitCode);
        Assert.Contains("<- stuck", table.Out.Split('\n').Single(l => l.StartsWith("4 ", StringComparison.Ordinal)));
        Assert.Contains("<- label says deployed", table.Out.Split('\n').Single(l => l.StartsWith("2 ", StringComparison.Ordinal)));
        var rows = JsonNode.Parse(json.Out)!.AsArray();
        Assert.Equal([1, 2, 3, 4], rows.Select(r => (int)r!["revision"]!));
        Assert.Equal([false, false, false, true], rows.Select(r => (bool)r!["stuck"]!));
    }

    [Fact]
    public async Task Sandbox_ServesUntilStoppedAndRealCommandsWorkAgainstIt()
    {
        await using var cli = await CliHarness.StartAsync("healthy");
        var kubeconfig = Path.Combine(cli.Root, "sandbox.kubeconfig");
        using var stop = new CancellationTokenSource();

        var serving = cli.RunSandboxToolAsync(["--kubeconfig-out", kubeconfig], stop.Token);
        while (!File.Exists(kubeconfig) && !serving.IsCompleted)
        {
            await Task.Delay(50);
        }

        var scan = await cli.RunAsync("scan", "-A", "--kubeconfig", kubeconfig, "-o", "json");
        await stop.CancelAsync();
        var run = await serving;

        Assert.True(scan.ExitCode == 1, scan.ToString());
        Assert.Equal("gitlab-cny", (string?)JsonNode.Parse(scan.Out)![0]!["release"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"export KUBECONFIG={kubeconfig}", run.Out);
        Assert.Contains("helm list -A --pending", run.Out);
        Assert.Contains("Sandbox stopped.", run.Out);
    }
}
