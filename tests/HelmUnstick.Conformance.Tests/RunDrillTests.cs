namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// <c>helm-unstick run</c> wrapping real Helm 3.18 and 4.1 against the sandbox: it passes helm's exit code and
/// leaves the Lease released with the outcome; a SIGTERM to run reaches helm, which marks the release failed itself;
/// a SIGKILL of helm alone is recovered at once with --recover; a SIGKILL of run and helm together is stale within
/// the lease's duration plus 5 s, while the same kill without run stays possibly-running; a second run waits for the
/// first; a lost API connection ends in exit 5 with helm stopped by SIGTERM. helm is held mid-upgrade by freezing its
/// Deployment write, or by a Deployment the sandbox never makes ready (with --wait).
/// </summary>
public sealed class RunDrillTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly string[] NoCi = ["--skip-ci-check", "--reason", "DRILL-17 run"];
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    [Theory]
    [EachToolset]
    public async Task NormalRun_PassesHelmsExitCode_AndReleasesTheLeaseWithTheOutcome(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-normal");
        var helmPath = RepositoryPaths.Tool(helm, "helm");

        var install = await cluster.HelmUnstickAsync("run", "--", helmPath, "upgrade", "--install", "app", RunDrill.Chart, "-n", ns, "--set", "replicas=2");
        var failing = await cluster.HelmUnstickAsync("run", "--", helmPath, "upgrade", "app", Path.Combine(cluster.Root, "no-such-chart"), "-n", ns);
        var missing = await cluster.HelmUnstickAsync("run", "--release", "app", "-n", ns, "--", "helm-unstick-no-such-command");

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("STATUS: deployed", install.Out);
        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Contains("Error:", failing.Err);
        Assert.True(missing.ExitCode == 127, missing.ToString());
        Assert.Equal("error: helm-unstick-no-such-command: command not found; nothing was started", missing.Err.Trim());
        var lease = Lease(ns);
        Assert.Equal("", (string?)lease["spec"]!["holderIdentity"]);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["helm-unstick.io/command"] = $"upgrade {Path.Combine(cluster.Root, "no-such-chart")}",
                ["helm-unstick.io/exit-code"] = "1",
                ["helm-unstick.io/release-status"] = "deployed",
            },
            new[] { "helm-unstick.io/command", "helm-unstick.io/exit-code", "helm-unstick.io/release-status" }
                .ToDictionary(k => k, k => (string?)lease["metadata"]!["annotations"]![k]));
    }

    [Theory]
    [EachToolset]
    public async Task SigtermToRun_DuringWait_HelmMarksTheReleaseFailed(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-sigterm");
        using var drill = new RunDrill(cluster);
        var run = await drill.StartWaitingUpgradeAsync(helm, ns, []);

        var ended = await run.TerminateAsync(GracePeriod);

        Assert.True(ended.ExitCode == 1, ended.ToString());
        Assert.Equal("failed", LatestStatus(ns));
        var annotations = Lease(ns)["metadata"]!["annotations"]!;
        Assert.Equal(("1", "failed"), ((string?)annotations["helm-unstick.io/exit-code"], (string?)annotations["helm-unstick.io/release-status"]));
    }

    [Theory]
    [EachToolset]
    public async Task SigkillOfHelmAlone_WithRecover_UnstucksWithBackupAndAudit_AndTheNextUpgradeWorks(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-recover");
        using var drill = new RunDrill(cluster);
        var (run, _) = await drill.StartHeldUpgradeAsync(helm, ns, ["--recover", .. NoCi]);

        RunDrill.Signal("KILL", drill.HelmOf(run));
        var ended = await run.WaitAsync();

        Assert.True(ended.ExitCode == 137, ended.ToString());
        Assert.Contains("helm-unstick: COMMAND was killed by SIGKILL with revision 2 of release app still pending-upgrade: its only holder is gone", ended.Err);
        Assert.Contains("helm-unstick: --recover: ", ended.Err);
        Assert.Equal("failed", LatestStatus(ns));
        Assert.Single(Directory.GetFiles(Path.Combine(cluster.StateDirectory, "backups", "sandbox", ns)));
        Assert.Contains(File.ReadAllLines(Path.Combine(cluster.StateDirectory, "audit.log")), line => line.Contains($"\"namespace\":\"{ns}\"", StringComparison.Ordinal) && line.Contains("mark-failed", StringComparison.Ordinal));
        await cluster.HelmSucceedsAsync(helm, "upgrade", "app", RunDrill.Chart, "-n", ns, "--set", "replicas=2", "--wait", "--timeout", "60s");
    }

    [Theory]
    [EachToolset]
    public async Task SigkillOfRunAndHelmTogether_IsStaleWithinLeaseDurationPlus5s_AndFixed_WhileUnguardedStaysPossiblyRunning(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-killed");
        using var drill = new RunDrill(cluster);
        var (run, _) = await drill.StartHeldUpgradeAsync(helm, ns, ["--lease-duration", "3s"]);

        // One kill(1) for both, as a lost node ends them. Killing run alone first and waiting for it would wait for
        // ever: helm, in a process group of its own, still holds run's stdout and stderr open.
        RunDrill.Signal("KILL", run.Id, drill.HelmOf(run));
        var killed = Stopwatch.StartNew();
        Assert.Equal(137, (await run.WaitAsync()).ExitCode);
        JsonNode? finding;
        do
        {
            var scan = await cluster.HelmUnstickAsync("scan", "-n", ns, "-o", "json");
            finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray());
        }
        while ((string?)finding!["verdict"] != "stale" && killed.Elapsed < TimeSpan.FromSeconds(3 + 5));

        Assert.Equal("stale", (string?)finding["verdict"]);
        Assert.Matches(@$"^Lease {ns}/helm-unstick.app: holder \S+ \(upgrade {RunDrill.Chart}\) gone since ", (string?)finding["evidence"]![0]);
        var fix = await cluster.HelmUnstickAsync(["fix", "app", "-n", ns, "--apply", "--yes", .. NoCi]);
        Assert.True(fix.ExitCode == 0, fix.ToString());

        var unguarded = cluster.NewNamespace($"{helm}-run-unguarded");
        await cluster.HelmSucceedsAsync(helm, "install", "app", RunDrill.Chart, "-n", unguarded);
        await cluster.KillHelmAsync(helm, "PATCH", $"^/apis/apps/v1/namespaces/{unguarded}/deployments/app-web$", ["upgrade", "app", RunDrill.Chart, "-n", unguarded, "--set", "replicas=2"]);
        var unguardedScan = await cluster.HelmUnstickAsync("scan", "-n", unguarded, "-o", "json");
        Assert.Equal("possibly-running", (string?)Assert.Single(JsonNode.Parse(unguardedScan.Out)!.AsArray())!["verdict"]);
    }

    [Theory]
    [EachToolset]
    public async Task TwoRuns_TheSecondWaitsForTheFirst_ThenDeploys(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-two");
        using var drill = new RunDrill(cluster);
        var (first, hold) = await drill.StartHeldUpgradeAsync(helm, ns, []);

        var second = await drill.StartRunAsync(["--wait-for-release", "2m"], helm, "upgrade", "app", RunDrill.Chart, "-n", ns, "--set", "replicas=3");
        await drill.UntilAsync(() => second.ErrContains("helm-unstick: waiting for release app: held by "), second, "the second run to say that it waits");
        hold.Release();
        var firstEnded = await first.WaitAsync();
        var secondEnded = await second.WaitAsync();

        Assert.True(firstEnded.ExitCode == 0, firstEnded.ToString());
        Assert.True(secondEnded.ExitCode == 0, secondEnded.ToString());
        await cluster.AssertHistoryAsync(helm, "app", ns, @"(?m)^3\s+.*\sdeployed\s");
    }

    [Theory]
    [EachToolset]
    public async Task LostApiConnection_Exits5_WithHelmStoppedBySigterm(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-run-lost");
        using var drill = new RunDrill(cluster);
        var run = await drill.StartWaitingUpgradeAsync(helm, ns, ["--lease-duration", "3s"]);

        using var down = cluster.Server.Faults.Respond("PUT", $"^/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/", 503, times: int.MaxValue);
        var ended = await run.WaitAsync();

        Assert.True(ended.ExitCode == 5, ended.ToString());
        Assert.Contains($"helm-unstick: Lease {ns}/helm-unstick.app could not be renewed for 3s", ended.Err);
        Assert.Contains("sending SIGTERM to COMMAND", ended.Err);
        Assert.Equal("failed", LatestStatus(ns));
    }

    private JsonObject Lease(string ns) => cluster.Server.Store.Get("coordination.k8s.io/v1", "leases", ns, "helm-unstick.app")!;

    /// <summary>The status label of the release's newest revision Secret.</summary>
    private string? LatestStatus(string ns) =>
        cluster.Server.Store.List("v1", "secrets", ns)
            .Where(s => (string?)s["metadata"]!["labels"]?["owner"] == "helm")
            .MaxBy(s => int.Parse((string)s["metadata"]!["labels"]!["version"]!, CultureInfo.InvariantCulture))?["metadata"]!["labels"]!["status"]?.GetValue<string>();
}
