namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>
/// serve on Helm's ConfigMap driver: the gitlab-cny scenario (gitlab-cny stuck at pending-upgrade 1234 over deployed
/// 1233) with every release Secret moved to a release ConfigMap, as Helm with HELM_DRIVER=configmap stores it.
/// </summary>
public sealed class ServeConfigMapDriverTests
{
    private const string Stuck = "sh.helm.release.v1.gitlab-cny.v1234";

    private static async Task<CliHarness> StartAsync()
    {
        var cli = await CliHarness.StartAsync("gitlab-cny");
        cli.MoveReleasesToConfigMaps();
        return cli;
    }

    [Theory]
    [InlineData("--driver")]
    [InlineData("HELM_DRIVER")]
    public async Task OnTheConfigMapDriver_TheStuckReleaseIsAlerted_AndAFixRuleDeletesItsConfigMap(string how)
    {
        await using var cli = await StartAsync();
        var policy = ServeRun.WritePolicy(cli, ServeRun.CanaryFixPolicy);
        var backups = Path.Combine(cli.Root, "backups");
        string[] args = ["-A", "--policy", policy, "--backup-dir", backups];
        if (how == "HELM_DRIVER")
        {
            cli.SetEnvironment("HELM_DRIVER", "configmap");
        }
        else
        {
            args = [.. args, "--driver", "configmap"];
        }

        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), args);

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the fix");
        await serve.WaitUntilAsync(() => Events(cli).Count == 2, "the ReleaseStuck and ReleaseUnstuck Events");

        Assert.Equal(0, await serve.StopAsync());
        var backup = Assert.Single(Directory.GetFiles(Path.Combine(backups, "sandbox", "gitlab-cny")));
        Assert.Equal(
            [
                """{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"alert","strategy":null,"outcome":"stuck","reasons":["revision 1234 is pending-upgrade since 2026-11-22 03:14:55Z (2d5h ago)","policy rule at line 2: fix (delete) if every check passes"],"backup":null,"verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
                $$"""{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"fix","strategy":"delete","outcome":"fixed","reasons":["No CI job is deploying to this cluster: not checked (--skip-ci-check): canary namespaces unstick themselves","helm status shows revision 1233 (deployed); the next helm upgrade creates revision 1234 and diffs against revision 1233's manifest."],"backup":"{{backup}}","verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
            ],
            serve.Decisions);
        Assert.Null(cli.Server.Store.Get("v1", "configmaps", "gitlab-cny", Stuck));
        Assert.NotNull(cli.Server.Store.Get("v1", "configmaps", "gitlab-cny", "sh.helm.release.v1.gitlab-cny.v1233"));
        Assert.Equal("ConfigMap", (string?)JsonNode.Parse(File.ReadAllText(backup))!["kind"]);
        Assert.Equal(
            ["ReleaseStuck Warning ConfigMap " + Stuck, "ReleaseUnstuck Normal ConfigMap " + Stuck],
            Events(cli).Select(e => $"{e["reason"]} {e["type"]} {e["involvedObject"]!["kind"]} {e["involvedObject"]!["name"]}").Order());
        Assert.Contains("info: serving", serve.Err);
        Assert.Contains("watching release ConfigMaps in all namespaces", serve.Err);
    }

    [Fact]
    public async Task Help_SaysServeWatchesReleaseConfigMapsWithTheConfigMapDriver_AndTakesHelmsTimeout()
    {
        await using var cli = await CliHarness.StartAsync("healthy");

        var run = await cli.RunAsync("serve", "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Lists, then watches, release Secrets' metadata (release ConfigMaps' with --driver configmap; no payloads)", run.Out);
        Assert.Matches(@"(?m)^  --helm-timeout <DURATION>\s+The --timeout your deploys pass to helm \(Go duration; default 5m\): what helm --wait", run.Out);
        Assert.Matches(@"(?m)^  --driver <secret\|configmap>\s+Helm's storage driver: where the release revisions are \(default: \$HELM_DRIVER, else secret", run.Out);
    }

    private static IReadOnlyList<JsonObject> Events(CliHarness cli) => cli.Server.Store.List("v1", "events", "gitlab-cny");
}
