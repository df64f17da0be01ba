using System.Text.Json.Nodes;

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

    private static void AddLease(CliHarness cli, string holder, DateTimeOffset acquired, DateTimeOffset renewed, DateTimeOffset? ended)
    {
        var annotations = new JsonObject
        {
            ["helm-unstick.io/holder"] = "runner-7/4242/k3x9",
            ["helm-unstick.io/ci-job-url"] = "https://gitlab.example/ops/deploy/-/jobs/77",
            ["helm-unstick.io/command"] = "upgrade ./demo",
        };
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
