namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The drills of the runbook, with real Helm: helm is SIGKILLed while one of its requests is held by the
/// sandbox, which leaves the release pending exactly as a killed CI job does. Then real helm refuses to
/// upgrade, helm-unstick finds and fixes the release, restoring the backup makes Helm stuck again, a second fix
/// works, and real helm upgrades to the revision helm-unstick promised. helm-unstick itself never rolls back;
/// <c>helm rollback</c> appears here only as one of the Helm operations that can be killed midway.
/// </summary>
public sealed partial class StuckReleaseDrillTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly string Demo = SandboxCluster.DemoChart;

    /// <summary>Where helm dies: the operation it runs and the request of it that the sandbox holds until the kill.</summary>
    public enum KillPoint
    {
        /// <summary>helm install, holding its first object write: the pending revision exists, no object does.</summary>
        InstallBeforeAnyObject,

        /// <summary>helm install, holding the Deployment write: the ConfigMap is applied, the Deployment is not.</summary>
        InstallMidway,

        /// <summary>helm install, holding the final PUT of the release Secret: every object is applied.</summary>
        InstallAfterEveryObject,

        /// <summary>helm upgrade, holding the Deployment patch.</summary>
        UpgradeMidway,

        /// <summary>helm rollback, holding the Deployment patch.</summary>
        RollbackMidway,
    }

    public static TheoryData<string, KillPoint, string> Drills() => Toolsets.DrillRows(Enum.GetValues<KillPoint>());

    [Theory]
    [MemberData(nameof(Drills))]
    public async Task HelmKilled_ThenFixRestoreAndFixAgain_HelmUpgradesToThePromisedRevision(string helm, KillPoint point, string strategy)
    {
        var ns = cluster.NewNamespace($"{helm}-{Regex.Replace(point.ToString(), "(?<=.)([A-Z])", "-$1").ToLowerInvariant()}-{strategy}");
        var (stuckRevision, stuckStatus) = await KillHelmAsync(helm, point, ns);
        var stuckSecretName = $"sh.helm.release.v1.demo.v{stuckRevision}";
        var stuckSecret = cluster.Secret(ns, stuckSecretName)!;
        Assert.Equal(stuckStatus, (string?)stuckSecret["metadata"]!["labels"]!["status"]);
        AssertObjectsLeftBy(point, ns);

        await cluster.AssertHelmIsStuckAsync(helm, ns);
        var pending = await cluster.HelmSucceedsAsync(helm, "list", "-A", "--pending");
        Assert.Matches(@$"(?m)^demo\s+{ns}\s+{stuckRevision}\s+.*\s{stuckStatus}\s+demo-0\.1\.0", pending.Out);

        var scan = await cluster.HelmUnstickAsync("scan", "-n", ns, "-o", "json");
        Assert.True(scan.ExitCode == 1, scan.ToString());
        var finding = Assert.Single(JsonNode.Parse(scan.Out)!.AsArray())!;
        Assert.Equal(("demo", stuckRevision, stuckStatus, stuckSecretName),
            ((string?)finding["release"], (int)finding["revision"]!, (string?)finding["status"], (string?)finding["secretName"]));

        await FixAsync(ns, strategy);
        var backup = Assert.Single(Directory.GetFiles(Path.Combine(cluster.StateDirectory, "backups", "sandbox", ns)));
        var fixedPending = await cluster.HelmSucceedsAsync(helm, "list", "-A", "--pending");
        Assert.DoesNotContain(ns, fixedPending.Out);

        var restore = await cluster.HelmUnstickAsync("restore", backup, "--apply", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var restored = cluster.Secret(ns, stuckSecretName)!;
        Assert.Equal((string?)stuckSecret["data"]!["release"], (string?)restored["data"]!["release"]);
        Assert.Equal(stuckSecret["metadata"]!["labels"]!.ToJsonString(), restored["metadata"]!["labels"]!.ToJsonString());
        await cluster.AssertHelmIsStuckAsync(helm, ns);

        var promise = await FixAsync(ns, strategy);
        var upgrade = await cluster.HelmSucceedsAsync(helm, "upgrade", "--install", "demo", Demo, "-n", ns, "--set", "replicas=2", "--wait", "--timeout", "60s");

        var history = await cluster.HelmSucceedsAsync(helm, "history", "demo", "-n", ns);
        Assert.Matches(@$"(?m)^{promise}\s+.*\sdeployed\s+demo-0\.1\.0\s+1\.0\.0\s+(Upgrade|Install) complete", history.Out);
        Assert.DoesNotMatch(@$"(?m)^{promise + 1}\s", history.Out);
        if (strategy == "mark-failed")
        {
            Assert.Matches(@$"(?m)^{stuckRevision}\s+.*\sfailed\s", history.Out);
        }

        Assert.Equal(2, (long)cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web")!["status"]!["availableReplicas"]!);
        Assert.Contains("STATUS: deployed", upgrade.Out);
    }

    [Theory]
    [EachToolset]
    public async Task ScanAllNamespaces_OnReleasesWrittenByHelm_FindsExactlyWhatHelmListPendingFinds(string helm)
    {
        // Beside whatever earlier tests left: a release upgraded cleanly, and one stuck at each kind of operation.
        var settled = cluster.NewNamespace($"{helm}-list-settled");
        await cluster.HelmSucceedsAsync(helm, "install", "demo", Demo, "-n", settled);
        await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", settled, "--set", "replicas=2");
        foreach (var point in new[] { KillPoint.InstallMidway, KillPoint.UpgradeMidway, KillPoint.RollbackMidway })
        {
            await KillHelmAsync(helm, point, cluster.NewNamespace($"{helm}-list-{point.ToString().ToLowerInvariant()}"));
        }

        var pending = await cluster.HelmSucceedsAsync(helm, "list", "-A", "--pending", "-o", "json");
        var scan = await cluster.HelmUnstickAsync("scan", "-A", "-o", "json");

        Assert.True(scan.ExitCode == 1, scan.ToString());
        var expected = JsonNode.Parse(pending.Out)!.AsArray()
            .Select(r => $"{r!["namespace"]}/{r["name"]} {r["revision"]} {r["status"]} {r["chart"]} {r["app_version"]}")
            .Order(StringComparer.Ordinal);
        var actual = JsonNode.Parse(scan.Out)!.AsArray()
            .Select(r => $"{r!["namespace"]}/{r["release"]} {r["revision"]} {r["status"]} {r["chart"]} {r["appVersion"]}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, line => line.StartsWith($"{helm}-list-rollbackmidway", StringComparison.Ordinal) && line.Contains(" 3 pending-rollback "));
    }

    /// <summary>Brings the release to where <paramref name="point"/> needs it, then kills helm at that point.</summary>
    private async Task<(int Revision, string Status)> KillHelmAsync(string helm, KillPoint point, string ns)
    {
        var api = $"/api/v1/namespaces/{ns}";
        var apps = $"/apis/apps/v1/namespaces/{ns}";
        // Helm 3 creates objects with POST; Helm 4 server-side applies them with PATCH.
        var (createMethod, configMapWrite, deploymentWrite) = helm == "helm3"
            ? ("POST", $"^{api}/configmaps$", $"^{apps}/deployments$")
            : ("PATCH", $"^{api}/configmaps/demo-cfg$", $"^{apps}/deployments/demo-web$");
        string[] install = ["install", "demo", Demo, "-n", ns];
        switch (point)
        {
            case KillPoint.InstallBeforeAnyObject:
                await cluster.KillHelmAsync(helm, createMethod, configMapWrite, install);
                return (1, "pending-install");
            case KillPoint.InstallMidway:
                await cluster.KillHelmAsync(helm, createMethod, deploymentWrite, install);
                return (1, "pending-install");
            case KillPoint.InstallAfterEveryObject:
                await cluster.KillHelmAsync(helm, "PUT", $"^{api}/secrets/sh\\.helm\\.release\\.v1\\.demo\\.v1$", install);
                return (1, "pending-install");
            case KillPoint.UpgradeMidway:
                await cluster.HelmSucceedsAsync(helm, install);
                await cluster.KillHelmAsync(helm, "PATCH", $"^{apps}/deployments/demo-web$", ["upgrade", "demo", Demo, "-n", ns, "--set", "replicas=3"]);
                return (2, "pending-upgrade");
            default:
                await cluster.HelmSucceedsAsync(helm, install);
                await cluster.HelmSucceedsAsync(helm, "upgrade", "demo", Demo, "-n", ns, "--set", "replicas=3");
                await cluster.KillHelmAsync(helm, "PATCH", $"^{apps}/deployments/demo-web$", ["rollback", "demo", "1", "-n", ns]);
                return (3, "pending-rollback");
        }
    }

    private void AssertObjectsLeftBy(KillPoint point, string ns)
    {
        var configMap = cluster.Server.Store.Get("v1", "configmaps", ns, "demo-cfg");
        var deployment = cluster.Server.Store.Get("apps/v1", "deployments", ns, "demo-web");
        switch (point)
        {
            case KillPoint.InstallBeforeAnyObject:
                Assert.Null(configMap);
                Assert.Null(deployment);
                break;
            case KillPoint.InstallMidway:
                Assert.NotNull(configMap);
                Assert.Null(deployment);
                break;
            case KillPoint.InstallAfterEveryObject:
                Assert.NotNull(configMap);
                Assert.NotNull(deployment);
                break;
            default:
                // The held Deployment patch never landed: the Deployment is as the previous revision left it.
                Assert.Equal(point == KillPoint.UpgradeMidway ? 1 : 3, (long)deployment!["spec"]!["replicas"]!);
                break;
        }
    }

    /// <summary>Runs fix --apply and returns the revision it promises the next helm upgrade creates.</summary>
    private async Task<int> FixAsync(string ns, string strategy)
    {
        var fix = await cluster.HelmUnstickAsync(
            "fix", "demo", "-n", ns, "--strategy", strategy, "--stale-after", "0s",
            "--skip-ci-check", "--reason", "DRILL-1 helm was SIGKILLed on purpose", "--apply", "--yes");
        Assert.True(fix.ExitCode == 0, fix.ToString());
        var promise = NextRevision().Match(fix.Out);
        if (promise.Success)
        {
            return int.Parse(promise.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        // Deleting a release's only revision leaves nothing: helm upgrade --install then installs revision 1.
        Assert.Contains("use helm upgrade --install", fix.Out);
        return 1;
    }

    [GeneratedRegex(@"the next helm upgrade creates revision (\d+)")]
    private static partial Regex NextRevision();
}
