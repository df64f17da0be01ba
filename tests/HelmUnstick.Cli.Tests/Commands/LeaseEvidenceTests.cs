using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// The release's Lease as evidence in check, fix and scan, on the real stuck upgrade of release demo (revision 4
/// pending since 2026-11-23T23:50:39Z), one minute after helm wrote it: without a Lease that fresh revision is
/// possibly-running; a released Lease whose term covers it makes it stale at once; a live holder keeps it
/// possibly-running even hours later, and fix refuses it.
/// </summary>
public sealed class LeaseEvidenceTests
{
    private static readonly DateTimeOffset LastDeployed = DateTimeOffset.Parse("2026-11-23T23:50:39.411003648Z");
    private static readonly string[] Quiet = ["--skip-ci-check", "--reason", "DRILL-17"];

    [Fact]
    public async Task ReleasedLeaseCoveringThePendingRevision_IsStaleAtOnce_WithTheHolderAsEvidence()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = LastDeployed + TimeSpan.FromMinutes(1);

        var before = await cli.RunAsync(["check", "demo", "-n", "team-a", "-o", "json", .. Quiet]);
        AddLease(cli, holder: "", acquired: LastDeployed - TimeSpan.FromSeconds(2), renewed: LastDeployed + TimeSpan.FromSeconds(10), ended: LastDeployed + TimeSpan.FromSeconds(12));
        var check = await cli.RunAsync(["check", "demo", "-n", "team-a", "-o", "json", .. Quiet]);
        var scan = await cli.RunAsync("scan", "-n", "team-a", "-o", "json");

        Assert.Equal("possibly-running", (string?)JsonNode.Parse(before.Out)!["verdict"]);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal("stale", (string?)JsonNode.Parse(check.Out)!["verdict"]);
        const string Evidence = "Lease team-a/helm-unstick.demo: holder runner-7/4242/k3x9 of CI job https://gitlab.example/ops/deploy/-/jobs/77 (upgrade ./demo) gone since 2026-11-23T23:50:51Z; its lease covers the pending revision";
        Assert.Equal(Evidence, (string?)JsonNode.Parse(check.Out)!["evidence"]![0]);
        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray())!;
        Assert.Equal("stale", (string?)finding["verdict"]);
        Assert.Equal(Evidence, (string?)finding["evidence"]![0]);
    }

    [Fact]
    public async Task LiveHolder_IsPossiblyRunning_AndFixRefusesEvenHoursLater()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        AddLease(cli, holder: "runner-7/4242/k3x9", acquired: LastDeployed - TimeSpan.FromSeconds(2), renewed: cli.Now - TimeSpan.FromSeconds(4), ended: null);
        var secret = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!["metadata"]!["resourceVersion"]!.ToJsonString();

        var check = await cli.RunAsync(["check", "demo", "-n", "team-a", "-o", "json", .. Quiet]);
        var fix = await cli.RunAsync(["fix", "demo", "-n", "team-a", "--apply", "--yes", .. Quiet]);

        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.Equal("possibly-running", (string?)JsonNode.Parse(check.Out)!["verdict"]);
        Assert.Equal(
            "Lease team-a/helm-unstick.demo: held by runner-7/4242/k3x9 of CI job https://gitlab.example/ops/deploy/-/jobs/77 (upgrade ./demo), renewed 4s ago (lease 15s): a deploy holds the release",
            (string?)JsonNode.Parse(check.Out)!["evidence"]![0]);
        Assert.True(fix.ExitCode == 1, fix.ToString());
        Assert.Equal(secret, cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!["metadata"]!["resourceVersion"]!.ToJsonString());
    }

    [Fact]
    public async Task Explain_GivesTheLeasesVerdictAndWhatFollows_ForAHolderGoneAndALiveOne()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = LastDeployed + TimeSpan.FromMinutes(1);

        var without = await cli.RunAsync("explain", "demo", "-n", "team-a", "-o", "json");
        AddLease(cli, holder: "", acquired: LastDeployed - TimeSpan.FromSeconds(2), renewed: LastDeployed + TimeSpan.FromSeconds(10), ended: LastDeployed + TimeSpan.FromSeconds(12));
        var gone = await cli.RunAsync("explain", "demo", "-n", "team-a");
        var goneJson = await cli.RunAsync("explain", "demo", "-n", "team-a", "-o", "json");
        AddLease(cli, holder: "runner-7/4242/k3x9", acquired: LastDeployed - TimeSpan.FromSeconds(2), renewed: cli.Now - TimeSpan.FromSeconds(4), ended: null);
        var live = await cli.RunAsync("explain", "demo", "-n", "team-a", "-o", "json");

        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.Null(JsonNode.Parse(without.Out)!["lease"]);
        const string Gone = "Lease team-a/helm-unstick.demo: holder runner-7/4242/k3x9 of CI job https://gitlab.example/ops/deploy/-/jobs/77 (upgrade ./demo) gone since 2026-11-23T23:50:51Z; its lease covers the pending revision";
        const string NothingWillFinishIt = "nothing will finish revision 4: fix can take it out of Helm's way now, without waiting for --stale-after or Helm's window (the CI and workload checks still apply)";
        Assert.Contains($"\nLease: stale: {Gone}. Consequence: {NothingWillFinishIt}.\n", gone.Out);
        Assert.Equal(
            new JsonObject { ["verdict"] = "stale", ["evidence"] = Gone, ["consequence"] = NothingWillFinishIt }.ToJsonString(),
            JsonNode.Parse(goneJson.Out)!["lease"]!.ToJsonString());
        Assert.Equal(
            new JsonObject
            {
                ["verdict"] = "possibly-running",
                ["evidence"] = "Lease team-a/helm-unstick.demo: held by runner-7/4242/k3x9 of CI job https://gitlab.example/ops/deploy/-/jobs/77 (upgrade ./demo), renewed 4s ago (lease 15s): a deploy holds the release",
                ["consequence"] = "a run still holds the release and may finish revision 4 itself; wait for it (or its Lease to expire): fix refuses to remove it unless --force --reason says why",
            }.ToJsonString(),
            JsonNode.Parse(live.Out)!["lease"]!.ToJsonString());
    }

    // The Lease's CI job is in the mapped GitLab project but deploys to no mapped environment (gprd): by the mapping
    // alone it would not block. Named by the Lease, it does while it runs, and once it has ended it is evidence.
    [Theory]
    [InlineData("running", 1, "failed", "  running CI job of the release's Lease: deploy-demo {0} - blocks: the deploy it ran under the Lease may still be at work")]
    [InlineData("failed", 0, "passed", "  failed CI job of the release's Lease: deploy-demo {0} - ended, so the deploy it ran under the Lease is over")]
    [InlineData("canceled", 0, "passed", "  canceled CI job of the release's Lease: deploy-demo {0} - ended, so the deploy it ran under the Lease is over")]
    public async Task TheLeasesCiJob_BlocksWhileItRuns_AndIsEvidenceOnceEnded(string status, int exitCode, string outcome, string line)
    {
        var gitLab = new GitLabStubState();
        gitLab.AddProject(new GitLabStubProject(12, GitLabStubState.DemoProject));
        gitLab.AddEnvironment(new GitLabStubEnvironment(31, 12, "gprd"));
        gitLab.AddPipeline(new GitLabStubPipeline(3001, 12, status, "main"));
        gitLab.AddJob(new GitLabStubJob(5001, 12, 3001, "deploy-demo", status, "main", null));
        await using var cli = await CliHarness.StartAsync(new SandboxOptions
        {
            Scenario = Scenario.Load(Fixtures.StuckUpgradeStore),
            ConfigureEndpoints = app => app.MapGitLabStub(gitLab),
        });
        cli.Now = LastDeployed + TimeSpan.FromMinutes(1);
        var job = $"{cli.Server.BaseAddress}gitlab/{GitLabStubState.DemoProject}/-/jobs/5001";
        AddLease(cli, holder: "", acquired: LastDeployed - TimeSpan.FromSeconds(2), renewed: LastDeployed + TimeSpan.FromSeconds(10), ended: LastDeployed + TimeSpan.FromSeconds(12),
            ciJob: (job, "12", "5001"));

        var check = await cli.RunAsync(["check", "demo", "-n", "team-a", "-o", "json", .. cli.GitLabDemoFlags]);

        Assert.True(check.ExitCode == exitCode, check.ToString());
        var json = JsonNode.Parse(check.Out)!;
        Assert.Equal("stale", (string?)json["verdict"]);
        var ci = json["checks"]!.AsArray().Single(c => (string?)c!["title"] == "No CI job is deploying to this cluster")!;
        Assert.Equal(outcome, (string?)ci["outcome"]);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, line, job), (string?)ci["evidence"]!.AsArray()[^1]);
    }

    private static void AddLease(CliHarness cli, string holder, DateTimeOffset acquired, DateTimeOffset renewed, DateTimeOffset? ended, (string Url, string ProjectId, string JobId)? ciJob = null)
    {
        var annotations = new JsonObject
        {
            ["helm-unstick.io/holder"] = "runner-7/4242/k3x9",
            ["helm-unstick.io/ci-job-url"] = ciJob?.Url ?? "https://gitlab.example/ops/deploy/-/jobs/77",
            ["helm-unstick.io/command"] = "upgrade ./demo",
        };
        if (ciJob is { } named)
        {
            annotations["helm-unstick.io/ci-project-id"] = named.ProjectId;
            annotations["helm-unstick.io/ci-job-id"] = named.JobId;
        }

        if (ended is { } end)
        {
            annotations["helm-unstick.io/ended-at"] = Stamp(end);
        }

        cli.Server.Store.Upsert("coordination.k8s.io/v1", "leases", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "helm-unstick.demo",
                ["namespace"] = "team-a",
                ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "helm-unstick", ["helm-unstick.io/release"] = "demo" },
                ["annotations"] = annotations,
            },
            ["spec"] = new JsonObject { ["holderIdentity"] = holder, ["leaseDurationSeconds"] = 15, ["acquireTime"] = Stamp(acquired), ["renewTime"] = Stamp(renewed) },
        });
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
}
