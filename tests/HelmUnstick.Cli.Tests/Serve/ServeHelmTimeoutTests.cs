namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>
/// serve's fixes judge "no live helm process" with the user's helm timeout: the real stuck upgrade (release demo,
/// revision 4 pending-upgrade since 2026-11-23T23:50:39Z) whose Deployment never becomes ready, seen 10 minutes later.
/// </summary>
public sealed class ServeHelmTimeoutTests
{
    private static readonly DateTimeOffset LastDeployed = DateTimeOffset.Parse("2026-11-23T23:50:39.411003648Z");

    private const string Unhealthy = "Workloads have reconciled: 1 of 1 workload(s) look unhealthy: Deployment demo-web; investigate them first, or pass --force --reason TEXT";

    // Helm's window: last_deployed + helm-timeout x (0 hooks + 1) + a grace of at most 1m. Ten minutes on, the
    // default 5m closed it at 6m; --helm-timeout 10m keeps it open until 11m. The unready Deployment blocks either way.
    [Theory]
    [InlineData(null, new[] { Unhealthy })]
    [InlineData("10m", new[]
    {
        Unhealthy,
        "No live helm process owns the pending revision: possibly-running: 1 sign(s) that a helm process still works on revision 4 (pending for 10m); wait for helm or its time limit, or pass --force --reason TEXT",
    })]
    public async Task ADeploymentHelmWouldStillWaitOn_BlocksTheFix_OnlyWithinTheHelmTimeoutGiven(string? helmTimeout, string[] blockedBy)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("apps/v1", "deployments", "team-a", "demo-web", d =>
        {
            d["metadata"]!["annotations"]!["sandbox.helm-unstick/never-ready"] = "true";
            d.Remove("status");
        });
        var policy = Path.Combine(cli.Root, "policy.yaml");
        File.WriteAllText(policy, """
            rules:
              - namespaces: [team-a]
                action: fix
                staleAfter: 1m
                skipCiCheck: true
                reason: "drill"
            """);
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(LastDeployed + TimeSpan.FromMinutes(10)), ["-n", "team-a", "--policy", policy, .. helmTimeout is null ? Array.Empty<string>() : ["--helm-timeout", helmTimeout]]);

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the fix decision");

        Assert.Equal(0, await serve.StopAsync());
        var fix = JsonNode.Parse(serve.Decisions[1])!;
        Assert.Equal(("fix", "blocked"), ((string?)fix["action"], (string?)fix["outcome"]));
        Assert.Equal(blockedBy, fix["reasons"]!.AsArray().Select(r => (string?)r));
        Assert.NotNull(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
    }
}
