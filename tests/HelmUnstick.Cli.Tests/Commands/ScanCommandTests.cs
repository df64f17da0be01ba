namespace HelmUnstick.Cli.Tests.Commands;

public sealed class ScanCommandTests
{
    [Fact]
    public async Task Scan_AllNamespacesOfStoreStuckByRealHelm_ReportsRevision4AsJsonAndExits1()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        var findings = JsonNode.Parse(run.Out)!.AsArray();
        Assert.Equal(["team-a/demo", "team-c/stuckinst"], findings.Select(f => $"{f!["namespace"]}/{f["release"]}"));
        var demo = findings[0]!;
        Assert.Equal(4, (int)demo["revision"]!);
        Assert.Equal("pending-upgrade", (string?)demo["status"]);
        Assert.Equal("demo-0.1.0", (string?)demo["chart"]);
        Assert.Equal("1.0.0", (string?)demo["appVersion"]);
        Assert.Equal("sh.helm.release.v1.demo.v4", (string?)demo["secretName"]);
        Assert.True((bool)demo["stale"]!);
        Assert.Equal("stale", (string?)demo["verdict"]);
        Assert.Equal(
            ["ConfigMap team-a/demo-cfg: no managedFields times; ready", "Deployment team-a/demo-web: no managedFields times; ready"],
            demo["evidence"]!.AsArray().Take(2).Select(e => (string?)e));
        Assert.True((long)demo["ageSeconds"]! > 15 * 60);
        Assert.NotNull(demo["lastDeployed"]);
        Assert.Equal("pending-install", (string?)findings[1]!["status"]);
    }

    [Fact]
    public async Task Scan_OneNamespace_ListsOnlyThatNamespace()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);

        var run = await cli.RunAsync("scan", "-n", "team-c");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(
            [
                "NAMESPACE   RELEASE     REVISION   STATUS            CHART        APP VERSION   PENDING FOR   VERDICT   SECRET",
                "team-c      stuckinst   1          pending-install   demo-0.1.0   1.0.0         9h6m          stale     sh.helm.release.v1.stuckinst.v1",
                "1 stuck release(s) among 1. Next: helm-unstick fix RELEASE -n NAMESPACE",
            ],
            run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd()));
    }

    [Fact]
    public async Task Scan_HealthyCluster_SaysNoneAndExits0()
    {
        await using var cli = await CliHarness.StartAsync("healthy");

        var run = await cli.RunAsync("scan", "-A");

        Assert.Equal((0, "No stuck releases among 1 release(s) (2 release Secrets) in all namespaces.\n", ""), (run.ExitCode, run.Out, run.Err));
    }

    [Fact]
    public async Task Scan_YoungPendingRevision_IsPossiblyRunningWithItsEvidence()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = new DateTimeOffset(2026, 11, 23, 23, 55, 0, TimeSpan.Zero); // five minutes after helm was killed

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        var demo = JsonNode.Parse(run.Out)![0]!;
        Assert.Equal((false, "possibly-running"), ((bool)demo["stale"]!, (string?)demo["verdict"]));
        Assert.Equal("Secret team-a/sh.helm.release.v1.demo.v4: the pending revision was written 4m20s ago (less than --stale-after 15m)",
            (string?)demo["evidence"]![0]);
        var table = await cli.RunAsync("scan", "-A");
        Assert.Matches(@"(?m)^team-a\s+demo\s+4\s+pending-upgrade\s+demo-0\.1\.0\s+1\.0\.0\s+4m20s\s+possibly-running\s+sh\.helm\.release\.v1\.demo\.v4", table.Out);
    }

    [Fact]
    public async Task Scan_ForbiddenManifestKind_IsUnknown()
    {
        var users = new Dictionary<string, SandboxUser>
        {
            [SandboxServer.AnonymousToken] = new("oncall", [new AccessRule(["get", "list"], ["secrets", "deployments"])]),
        };
        await using var cli = await CliHarness.StartAsync(new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Users = users });

        var run = await cli.RunAsync("scan", "-n", "team-a", "-o", "json");

        var demo = JsonNode.Parse(run.Out)![0]!;
        Assert.Equal("unknown", (string?)demo["verdict"]);
        Assert.Equal(
            "ConfigMap team-a/demo-cfg: cannot be checked: forbidden: configmaps \"demo-cfg\" is forbidden: User \"oncall\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"team-a\"",
            (string?)demo["evidence"]![0]);
    }

    [Fact]
    public async Task Scan_ThousandsOfReleaseSecretsAcrossPages_FindsEachStuckReleaseOnce()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var template = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        for (var i = 0; i < 1200; i++)
        {
            // Copies of a real pending-upgrade revision under 1200 release names, plus a deployed older revision each.
            foreach (var (version, status) in new[] { (1, "deployed"), (2, "pending-upgrade") })
            {
                var copy = (JsonObject)template.DeepClone();
                var meta = copy["metadata"]!.AsObject();
                meta.Remove("uid");
                meta.Remove("resourceVersion");
                meta["namespace"] = "bulk";
                meta["name"] = $"sh.helm.release.v1.r{i}.v{version}";
                meta["labels"]!["name"] = $"r{i}";
                meta["labels"]!["version"] = $"{version}";
                meta["labels"]!["status"] = status;
                cli.Server.Store.Upsert("v1", "secrets", copy);
            }
        }

        var run = await cli.RunAsync("scan", "-n", "bulk", "-o", "json");

        Assert.Equal(1, run.ExitCode);
        var findings = JsonNode.Parse(run.Out)!.AsArray();
        Assert.Equal(1200, findings.Count);
        Assert.Equal(1200, findings.Select(f => (string?)f!["secretName"]).Distinct().Count());
    }

    [Fact]
    public async Task Scan_CorruptPayloadOfASettledRelease_IsSkippedByLabelsAndReportedWithVerifyPayloads()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("v1", "secrets", "team-b", "sh.helm.release.v1.example.v1",
            secret => secret["data"]!["release"] = Convert.ToBase64String("not a helm payload"u8.ToArray()));

        var byLabels = await cli.RunAsync("scan", "-A", "-o", "json");
        var run = await cli.RunAsync("scan", "-A", "-o", "json", "--verify-payloads");

        Assert.True(byLabels.ExitCode == 1, byLabels.ToString());
        Assert.Empty(byLabels.Err);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Secret team-b/sh.helm.release.v1.example.v1", run.Err);
        Assert.Equal("demo", (string?)JsonNode.Parse(run.Out)![0]!["release"]);
    }

    [Fact]
    public async Task Scan_ReadsThePayloadsOfTheStuckReleasesOnly_InOneListBesideTheMetadata()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
        using var reads = cli.Server.Faults.Delay("GET", "^/api/v1/namespaces/[^/]+/secrets/", TimeSpan.Zero);
        cli.Server.Requests.Clear();

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["demo", "stuckinst"], JsonNode.Parse(run.Out)!.AsArray().Select(f => (string?)f!["release"]));
        // team-a/demo v4 and team-c/stuckinst v1 come with their payloads and write times in the one list of
        // pending-labelled Secrets; the settled releases are decided by their labels; no Secret is read by GET.
        Assert.Equal(0, reads.Matched);
        Assert.Single(cli.Server.Requests.Requests, r => r.Path == "/api/v1/secrets" && !r.MetadataOnly);
    }

    [Fact]
    public async Task Scan_StatusLabelThatHidesAPendingPayload_IsFoundOnlyWithVerifyPayloads()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.SetStatusLabel("team-a", "sh.helm.release.v1.demo.v4", "deployed");

        var byLabels = await cli.RunAsync("scan", "-A", "-o", "json");
        var verified = await cli.RunAsync("scan", "-A", "-o", "json", "--verify-payloads");

        Assert.True(byLabels.ExitCode == 0, byLabels.ToString());
        Assert.Empty(JsonNode.Parse(byLabels.Out)!.AsArray());
        Assert.True(verified.ExitCode == 1, verified.ToString());
        Assert.Equal(["team-a/demo"], JsonNode.Parse(verified.Out)!.AsArray().Select(f => $"{f!["namespace"]}/{f["release"]}"));
        Assert.Equal(
            "warning: Secret team-a/sh.helm.release.v1.demo.v4: status label says 'deployed' but the payload says 'pending-upgrade' (Helm goes by the payload, except when it looks for the deployed revision)",
            verified.Err.Trim());
    }

    [Fact]
    public async Task Scan_SecretWithoutVersionLabel_IsDecidedByItsPayload()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4", secret =>
        {
            secret["metadata"]!["labels"]!.AsObject().Remove("version");
            secret["metadata"]!["labels"]!["status"] = "deployed";
        });

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        var finding = Assert.Single(JsonNode.Parse(run.Out)!.AsArray())!;
        Assert.Equal(("demo", 4, "pending-upgrade"), ((string?)finding["release"], (int)finding["revision"]!, (string?)finding["status"]));
    }

    [Fact]
    public async Task Scan_ApiAnswers503ThenRecovers_RetriesTheRead()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var fault = cli.Server.Faults.Respond("GET", "^/api/v1/secrets$", 503, times: 2);

        var run = await cli.RunAsync("scan", "-A");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(2, fault.Matched); // both 503s were answered, and the third attempt succeeded
        Assert.Contains("sh.helm.release.v1.demo.v4", run.Out);
    }

    [Fact]
    public async Task Scan_ApiAnswers429WithRetryAfter_WaitsAndRetries()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var fault = cli.Server.Faults.Respond("GET", "^/api/v1/namespaces/team-a/secrets/", 429, times: 1, retryAfter: TimeSpan.FromSeconds(1));

        var run = await cli.RunAsync("scan", "-n", "team-a");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("sh.helm.release.v1.demo.v4", run.Out);
    }

    [Fact]
    public async Task ScanWatch_ReportsAReleaseBecomingUnstuckAndStopsCleanlyOnCtrlC()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var stop = new CancellationTokenSource();

        // A pass begins with its metadata-only list (the pending payloads are listed beside it).
        int Passes() => cli.Server.Requests.Requests.Count(r => r.Path == "/api/v1/secrets" && r.MetadataOnly);

        var watching = cli.RunAsync(["scan", "-A", "--watch", "50ms"], stop.Token);
        await WatchProgress.UntilAsync(() => Passes() >= 2, watching);  // the first pass has finished
        cli.Server.Store.Delete("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4");
        var after = Passes();
        await WatchProgress.UntilAsync(() => Passes() >= after + 2, watching);  // a whole pass after the delete
        await stop.CancelAsync();
        var run = await watching;

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.EndsWith("team-a/demo: stuck at revision 4 (pending-upgrade, stale)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("team-a/demo: no longer stuck (revision 4 was pending-upgrade)", StringComparison.Ordinal));
        Assert.Equal(2, lines.Length);
    }
}
