namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>serve against the sandbox's gitlab-cny scenario: release gitlab-cny stuck at pending-upgrade 1234 over deployed 1233.</summary>
public sealed class ServeCommandTests
{
    private const string Stuck = "sh.helm.release.v1.gitlab-cny.v1234";
    private const string StuckSeries = "helm_unstick_release_stuck{namespace=\"gitlab-cny\",release=\"gitlab-cny\",revision=\"1234\",status=\"pending-upgrade\",verdict=\"stale\"} 1";
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WithoutAPolicy_ExportsTheStuckRelease_AlertsOnce_AndChangesNothing()
    {
        await using var alerted = await AlertedServe.StartAsync();
        var (cli, clock, serve, age) = alerted;
        await serve.WaitUntilAsync(() => Events(cli).Count == 1, "the ReleaseStuck Event");
        Assert.Equal(
            [
                StuckSeries,
                $"helm_unstick_release_stuck_age_seconds{{namespace=\"gitlab-cny\",release=\"gitlab-cny\"}} {age}",
                "helm_unstick_leader 1",
                "helm_unstick_watch_errors_total 0",
            ],
            await serve.SamplesAsync());

        // Two resyncs later the release is still stuck, older, and was not alerted again.
        clock.Advance(Resync);
        await UntilStuckAgeAsync(serve, age + 30, "the first resync");
        clock.Advance(Resync);
        await UntilStuckAgeAsync(serve, age + 60, "the second resync");

        Assert.Equal(0, await serve.StopAsync());
        Assert.Equal(
            """{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"alert","strategy":null,"outcome":"stuck","reasons":["revision 1234 is pending-upgrade since 2026-11-22 03:14:55Z (2d5h ago)","no policy rule matches: alert only"],"backup":null,"verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
            Assert.Single(serve.Decisions));
        var stuckEvent = Assert.Single(Events(cli));
        Assert.Equal(
            ("ReleaseStuck", "Warning", "Secret", Stuck),
            ((string?)stuckEvent["reason"], (string?)stuckEvent["type"], (string?)stuckEvent["involvedObject"]!["kind"], (string?)stuckEvent["involvedObject"]!["name"]));
        Assert.NotNull(cli.Secret("gitlab-cny", Stuck));
        Assert.Equal("", (string?)cli.Lease("default", "helm-unstick")!["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task Readyz_IsNotReadyWhileTheFirstLookIsUnderWay_AndReadyOnceTheStuckReleaseIsExported()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        // The first list completes; the look at the stuck release waits on its payload.
        using var held = cli.Server.Faults.Freeze("GET", $"/secrets/{Stuck}$", times: 1);
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-A");
        await held.FirstMatch.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(
            (HttpStatusCode.ServiceUnavailable, "not ready: the first look at every release Secret (or ConfigMap, with --driver configmap) has not completed\n"),
            await serve.GetAsync("/readyz"));
        Assert.Equal((HttpStatusCode.OK, "ok\n"), await serve.GetAsync("/healthz"));
        held.Release();

        await serve.WaitUntilAsync(async () => (await serve.GetAsync("/readyz")).Status == HttpStatusCode.OK, "/readyz to turn ready");
        Assert.Contains(StuckSeries, await serve.SamplesAsync());
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Readyz_WithNoReleaseToLookAt_IsReadyAfterTheFirstList_WithoutWaitingForAResync()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        // The fake clock never moves: no resync comes to make serve look.
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-n", "no-releases-here");

        await serve.WaitUntilAsync(async () => (await serve.GetAsync("/readyz")) == (HttpStatusCode.OK, "ok\n"), "/readyz to turn ready");
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task AResyncWithNothingChanged_ReadsNoReleaseSecret()
    {
        await using var alerted = await AlertedServe.StartAsync();
        var (cli, clock, serve, age) = alerted;
        cli.Server.Requests.Clear();

        clock.Advance(Resync);
        await UntilStuckAgeAsync(serve, age + 30, "the first resync");
        clock.Advance(Resync);
        await UntilStuckAgeAsync(serve, age + 60, "the second resync");

        Assert.Equal(0, cli.Server.Requests.Count("*", "/secrets"));
        Assert.Single(serve.Decisions);
    }

    [Fact]
    public async Task AResyncThatComesDueWhileAChangedReleaseIsRead_StillLooksAtThatReleaseAgain()
    {
        await using var alerted = await AlertedServe.StartAsync();
        var (cli, clock, serve, age) = alerted;

        // The stuck Secret changes; serve reads it again, and the resync time passes while that read is held.
        using var held = cli.Server.Faults.Freeze("GET", $"/secrets/{Stuck}$", times: 1);
        var stuck = cli.Secret("gitlab-cny", Stuck)!;
        stuck["metadata"]!["annotations"] = new JsonObject { ["example.com/touched"] = "1" };
        cli.Server.Store.Upsert("v1", "secrets", stuck);
        await held.FirstMatch.WaitAsync(TimeSpan.FromSeconds(60));
        clock.Advance(Resync);
        held.Release();

        await UntilStuckAgeAsync(serve, age + 30, "the resync after the read");
        Assert.Equal(0, await serve.StopAsync());
        Assert.Single(serve.Decisions);
    }

    [Fact]
    public async Task APendingRevisionYoungerThanStaleAfter_IsExportedAtOnceAsPossiblyRunning_ThenItsSeriesTurnsStale_AndOnlyThenIsAlerted()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var clock = new FakeTimeProvider(LastDeployed(cli) + TimeSpan.FromMinutes(14));
        await using var serve = ServeRun.Start(cli, clock, "-A");
        var possiblyRunning = StuckSeries.Replace("verdict=\"stale\"", "verdict=\"possibly-running\"", StringComparison.Ordinal);

        await serve.WaitUntilAsync(async () => (await serve.SamplesAsync()).Contains(possiblyRunning), "the stuck series, possibly running");
        Assert.Empty(serve.Decisions);
        Assert.Empty(Events(cli));
        clock.Advance(Resync);
        clock.Advance(Resync);
        await serve.WaitUntilAsync(() => serve.Decisions.Count == 1, "the alert once pending for 15m");

        // The same serve, no restart: the series changed its verdict, and the possibly-running one is gone.
        Assert.Equal([StuckSeries], (await serve.SamplesAsync()).Where(s => s.StartsWith("helm_unstick_release_stuck{", StringComparison.Ordinal)));
        Assert.Equal(0, await serve.StopAsync());
        Assert.Contains("\"reasons\":[\"revision 1234 is pending-upgrade since 2026-11-22 03:14:55Z (15m ago)\"", serve.Decisions[0]);
        Assert.Contains("\"verdict\":\"stale\"", serve.Decisions[0]);
    }

    [Fact]
    public async Task WithAFixRuleAndBackupStoreSecret_TheBackupIsALabelledSecretInTheBackupNamespace_ThatRestoreReads()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        cli.Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ops" } });
        var original = cli.Secret("gitlab-cny", Stuck)!;
        var policy = ServeRun.WritePolicy(cli, ServeRun.CanaryFixPolicy);
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-A", "--policy", policy, "--backup-store", "secret", "--backup-namespace", "ops", "--backup-keep", "2");

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the fix");
        Assert.Equal(0, await serve.StopAsync());

        const string BackupName = "helm-unstick-backup.gitlab-cny.v1234.20261124t090000z";
        var fix = JsonNode.Parse(serve.Decisions[1])!;
        Assert.Equal(("fixed", $"secret://ops/{BackupName}"), ((string?)fix["outcome"], (string?)fix["backup"]));
        var backup = cli.Server.Store.Get("v1", "secrets", "ops", BackupName)!;
        Assert.Equal(
            """{"app.kubernetes.io/managed-by":"helm-unstick","helm-unstick.io/release":"gitlab-cny","helm-unstick.io/namespace":"gitlab-cny","helm-unstick.io/revision":"1234","helm-unstick.io/driver":"secret"}""",
            backup["metadata"]!["labels"]!.ToJsonString());
        Assert.Null(cli.Secret("gitlab-cny", Stuck));

        var restore = await cli.RunAsync("restore", $"secret://ops/{BackupName}", "--apply", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(
            (original["type"]!.ToJsonString(), original["data"]!.ToJsonString(), original["metadata"]!["labels"]!.ToJsonString()),
            (cli.Secret("gitlab-cny", Stuck)!["type"]!.ToJsonString(), cli.Secret("gitlab-cny", Stuck)!["data"]!.ToJsonString(), cli.Secret("gitlab-cny", Stuck)!["metadata"]!["labels"]!.ToJsonString()));
    }

    [Fact]
    public async Task WithAFixRule_BacksUpDeletesAndVerifies_ThenTheStuckSeriesDisappears()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var policy = ServeRun.WritePolicy(cli, ServeRun.CanaryFixPolicy);
        var backups = Path.Combine(cli.Root, "backups");
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-A", "--policy", policy, "--backup-dir", backups);

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the fix");
        await serve.WaitUntilAsync(async () => !(await serve.SamplesAsync()).Contains(StuckSeries), "the stuck series to disappear");
        var samples = await serve.SamplesAsync();

        Assert.Equal(0, await serve.StopAsync());
        var backup = Assert.Single(Directory.GetFiles(Path.Combine(backups, "sandbox", "gitlab-cny")));
        Assert.Equal(
            $$"""{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"fix","strategy":"delete","outcome":"fixed","reasons":["No CI job is deploying to this cluster: not checked (--skip-ci-check): canary namespaces unstick themselves","helm status shows revision 1233 (deployed); the next helm upgrade creates revision 1234 and diffs against revision 1233's manifest."],"backup":"{{backup}}","verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
            serve.Decisions[1]);
        Assert.Null(cli.Secret("gitlab-cny", Stuck));
        Assert.Contains(
            "helm_unstick_remediations_total{namespace=\"gitlab-cny\",release=\"gitlab-cny\",strategy=\"delete\",outcome=\"fixed\"} 1",
            samples);
        Assert.Equal(
            ["ReleaseStuck Warning", "ReleaseUnstuck Normal"],
            Events(cli).Select(e => $"{e["reason"]} {e["type"]}").Order());
        Assert.Contains("\"outcome\":\"changed\"", File.ReadAllText(Path.Combine(cli.StateDirectory, "audit.log")));
    }

    [Fact]
    public async Task WhenAFixIsBlocked_ItIsLoggedOnce_AndRetriedAtEachResyncWithoutChangingAnything()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var policy = ServeRun.WritePolicy(cli, "rules:\n  - namespaces: [gitlab-cny]\n    action: fix\n    strategy: mark-failed\n");
        var clock = new FakeTimeProvider(cli.Now);
        await using var serve = ServeRun.Start(cli, clock, "-n", "gitlab-cny", "--policy", policy);

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the blocked fix");
        await serve.WaitUntilAsync(() => Events(cli).Count == 2, "the ReleaseStuck and RemediationBlocked Events");
        for (var resync = 1; resync <= 2; resync++)
        {
            clock.Advance(Resync);
            var age = (long)(clock.GetUtcNow() - LastDeployed(cli)).TotalSeconds;
            await UntilStuckAgeAsync(serve, age, $"resync {resync}");
        }

        Assert.Equal(0, await serve.StopAsync());
        var blocked = JsonNode.Parse(serve.Decisions[1])!;
        Assert.Equal(("fix", "mark-failed", "blocked"), ((string?)blocked["action"], (string?)blocked["strategy"], (string?)blocked["outcome"]));
        Assert.StartsWith("No CI job is deploying to this cluster: ", (string?)blocked["reasons"]![0]);
        Assert.Equal(2, serve.Decisions.Count);
        Assert.Equal(
            ["ReleaseStuck", "RemediationBlocked"],
            Events(cli).Select(e => (string?)e["reason"]).Order());
        Assert.Equal("pending-upgrade", (string?)cli.Secret("gitlab-cny", Stuck)!["metadata"]!["labels"]!["status"]);
        Assert.False(File.Exists(Path.Combine(cli.StateDirectory, "audit.log")));
    }

    [Fact]
    public async Task WhenListingFails_TheErrorIsCounted_AndServeRetriesAfterABackoff()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        using var forbidden = cli.Server.Faults.Respond("GET", "^/api/v1/secrets$", 403, times: 1);
        var clock = new RetryClock(cli.Now);
        await using var serve = ServeRun.Start(cli, clock, "-A");

        await serve.WaitUntilAsync(async () => (await serve.SamplesAsync()).Contains("helm_unstick_watch_errors_total 1"), "the counted error");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await serve.GetAsync("/readyz")).Status);
        // The error is counted before the backoff starts: a step taken before it would push the retry back.
        await clock.PendingAsync(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        await serve.WaitUntilAsync(async () => (await serve.GetAsync("/readyz")).Status == HttpStatusCode.OK, "the retried list");
        await serve.WaitUntilAsync(async () => (await serve.SamplesAsync()).Contains(StuckSeries), "the stuck release");

        Assert.Equal(0, await serve.StopAsync());
        Assert.Contains("warning: forbidden while listing release Secrets in all namespaces", serve.Err);
    }

    // The stuck Secret's labels spoil the label shortcut (the deployed 1233 looks newest, or the Secret belongs to no
    // release): its payload is read, as scan does, and says pending-upgrade 1234.
    [Theory]
    [InlineData("version", "x")]
    [InlineData("version", null)]
    [InlineData("name", null)]
    public async Task APendingRevisionWithAMalformedLabel_IsReadAndAlerted(string label, string? value)
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var stuck = cli.Secret("gitlab-cny", Stuck)!;
        var labels = stuck["metadata"]!["labels"]!.AsObject();
        labels.Remove(label);
        if (value is not null)
        {
            labels[label] = value;
        }

        cli.Server.Store.Upsert("v1", "secrets", stuck);
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-A");

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 1, "the alert line");
        await serve.WaitUntilAsync(async () => (await serve.SamplesAsync()).Contains(StuckSeries), "the stuck series");

        Assert.Equal(0, await serve.StopAsync());
        Assert.Equal(
            """{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"alert","strategy":null,"outcome":"stuck","reasons":["revision 1234 is pending-upgrade since 2026-11-22 03:14:55Z (2d5h ago)","no policy rule matches: alert only"],"backup":null,"verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
            Assert.Single(serve.Decisions));
    }

    [Fact]
    public async Task AFixRuleOnASecretWithoutANameLabel_IsBlockedWithTheReason_AndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var stuck = cli.Secret("gitlab-cny", Stuck)!;
        stuck["metadata"]!["labels"]!.AsObject().Remove("name");
        cli.Server.Store.Upsert("v1", "secrets", stuck);
        var policy = ServeRun.WritePolicy(cli, "rules:\n  - action: fix\n    skipCiCheck: true\n    reason: drill\n");
        await using var serve = ServeRun.Start(cli, new FakeTimeProvider(cli.Now), "-A", "--policy", policy);

        await serve.WaitUntilAsync(() => serve.Decisions.Count == 2, "the alert and the blocked fix");

        Assert.Equal(0, await serve.StopAsync());
        Assert.Equal(
            """{"time":"2026-11-24T09:00:00+00:00","namespace":"gitlab-cny","release":"gitlab-cny","revision":1234,"action":"fix","strategy":"delete","outcome":"blocked","reasons":["Secret gitlab-cny/sh.helm.release.v1.gitlab-cny.v1234 is not labelled name=gitlab-cny: Helm's history and fix do not find it; inspect it by hand"],"backup":null,"verdict":"stale","evidence":"ConfigMap gitlab-cny/gitlab-cny-gitlab-config: no managedFields times; ready"}""",
            serve.Decisions[1]);
        Assert.NotNull(cli.Secret("gitlab-cny", Stuck));
        Assert.False(File.Exists(Path.Combine(cli.StateDirectory, "audit.log")));
    }

    [Fact]
    public async Task ABadPolicy_IsAUsageErrorNamingTheLine()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var policy = ServeRun.WritePolicy(cli, "rules:\n  - action: fix\n    force: true\n");

        var run = await cli.RunAsync("serve", "--policy", policy);

        Assert.Equal((2, $"error: {policy}:3: rules[0]: a policy has no 'force': a fix that a check blocks stays blocked (run fix --force by hand)\n"), (run.ExitCode, run.Err));
    }

    /// <summary>Waits until /metrics shows the stuck release <paramref name="age"/> seconds old.</summary>
    private static Task UntilStuckAgeAsync(ServeRun serve, long age, string what) =>
        serve.WaitUntilAsync(async () => (await serve.SamplesAsync()).Contains($"helm_unstick_release_stuck_age_seconds{{namespace=\"gitlab-cny\",release=\"gitlab-cny\"}} {age}"), what);

    private static IReadOnlyList<JsonObject> Events(CliHarness cli) => cli.Server.Store.List("v1", "events", "gitlab-cny");

    private static DateTimeOffset LastDeployed(CliHarness cli) =>
        ReleaseCodec.DecodeApiJsonValue((string)cli.Secret("gitlab-cny", Stuck)!["data"]!["release"]!).LastDeployed!.Value;

    /// <summary><c>serve -A</c> on a fake clock against gitlab-cny, once it has alerted on the stuck release and is ready.</summary>
    private sealed class AlertedServe(CliHarness cli, FakeTimeProvider clock, ServeRun serve, long age) : IAsyncDisposable
    {
        public static async Task<AlertedServe> StartAsync()
        {
            var cli = await CliHarness.StartAsync("gitlab-cny");
            var clock = new FakeTimeProvider(cli.Now);
            var serve = ServeRun.Start(cli, clock, "-A");
            try
            {
                await serve.WaitUntilAsync(() => serve.Decisions.Count == 1, "the alert line");
                await serve.WaitUntilAsync(async () => (await serve.GetAsync("/readyz")).Status == HttpStatusCode.OK, "/readyz to turn ready");
                return new AlertedServe(cli, clock, serve, (long)(cli.Now - LastDeployed(cli)).TotalSeconds);
            }
            catch
            {
                await serve.DisposeAsync();
                await cli.DisposeAsync();
                throw;
            }
        }

        /// <summary>The harness, the clock, serve, and the stuck release's age in seconds when serve turned ready.</summary>
        public void Deconstruct(out CliHarness harness, out FakeTimeProvider fakeClock, out ServeRun run, out long ageSeconds) =>
            (harness, fakeClock, run, ageSeconds) = (cli, clock, serve, age);

        public async ValueTask DisposeAsync()
        {
            await serve.DisposeAsync();
            await cli.DisposeAsync();
        }
    }
}
