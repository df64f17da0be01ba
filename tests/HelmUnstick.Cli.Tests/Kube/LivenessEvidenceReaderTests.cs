using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Cli.Tests.Kube;

/// <summary>
/// The liveness evidence of the real stuck upgrade (release demo, revision 4 pending-upgrade since
/// 2026-11-23T23:50:39Z, a ConfigMap and a Deployment) read from the sandbox.
/// </summary>
public sealed class LivenessEvidenceReaderTests
{
    private static readonly DateTimeOffset LastDeployed = DateTimeOffset.Parse("2026-11-23T23:50:39.411003648Z");
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task LongGoneHelm_IsStale_WithEachObjectAndTheWindow()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var assessment = await AssessAsync(cli, new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(15));

        Assert.Equal(LivenessVerdict.Stale, assessment.Verdict);
        Assert.Equal(
        [
            "ConfigMap team-a/demo-cfg: no managedFields times; ready",
            "Deployment team-a/demo-web: no managedFields times; ready",
            "helm's waits: window closed at 2026-11-23T23:56:39Z (last_deployed 2026-11-23T23:50:39Z + 5m x (0 hooks + 1) + 1m), 9h3m ago",
        ], LivenessText.Evidence(assessment));
    }

    [Fact]
    public async Task DeploymentNotRolledOut_InsideTheWindow_IsPossiblyRunning()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("apps/v1", "deployments", "team-a", "demo-web", NeverReady);

        var assessment = await AssessAsync(cli, LastDeployed + TimeSpan.FromMinutes(2), TimeSpan.Zero);

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Equal("Deployment team-a/demo-web: ready 0/3, available 0/3: helm --wait would still wait on it", LivenessText.Evidence(assessment)[0]);
    }

    [Fact]
    public async Task RecentWriteThroughTheApi_IsPossiblyRunning_EvenLongAfterTheWindow()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var http = new HttpClient { BaseAddress = cli.Server.BaseAddress };
        var patch = new StringContent("""{"data":{"greeting":"hi"}}""", Encoding.UTF8, "application/merge-patch+json");
        (await http.PatchAsync("api/v1/namespaces/team-a/configmaps/demo-cfg?fieldManager=helm", patch)).EnsureSuccessStatusCode();

        var assessment = await AssessAsync(cli, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15));

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Matches(@"^ConfigMap team-a/demo-cfg: modified [\d.]+m?s ago by helm \(less than --stale-after 15m\)$", LivenessText.Evidence(assessment)[0]);
    }

    [Fact]
    public async Task ForbiddenKind_IsUnknown_WithTheApiserversMessage()
    {
        var users = new Dictionary<string, SandboxUser>
        {
            [SandboxServer.AnonymousToken] = new("oncall", [new AccessRule(["get", "list"], ["secrets", "deployments"])]),
        };
        await using var cli = await CliHarness.StartAsync(new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore), Users = users });

        var assessment = await AssessAsync(cli, new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(15));

        Assert.Equal(LivenessVerdict.Unknown, assessment.Verdict);
        Assert.Equal(
            "ConfigMap team-a/demo-cfg: cannot be checked: forbidden: configmaps \"demo-cfg\" is forbidden: User \"oncall\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"team-a\"",
            LivenessText.Evidence(assessment)[0]);
    }

    [Fact]
    public async Task KindTheClusterDoesNotServe_IsUnknown_NeverMissing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release =>
            release["manifest"] = (string)release["manifest"]! + "\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: demo-web\n");

        var assessment = await AssessAsync(cli, new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(15));

        Assert.Equal(LivenessVerdict.Unknown, assessment.Verdict);
        Assert.Equal("Ingress team-a/demo-web: cannot be checked: the cluster does not serve kind Ingress in networking.k8s.io/v1", LivenessText.Evidence(assessment)[0]);
    }

    [Fact]
    public async Task GenerateNameHookJobStillRunning_InsideTheWindow_IsPossiblyRunning()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release => release["hooks"] = new JsonArray(new JsonObject
        {
            ["name"] = "demo-migrate-",
            ["kind"] = "Job",
            ["path"] = "demo/templates/migrate.yaml",
            ["manifest"] = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: demo-migrate-\n  annotations:\n    helm.sh/hook: pre-upgrade\n",
            ["events"] = new JsonArray("pre-upgrade"),
        }));
        cli.Server.Store.Upsert("batch/v1", "jobs", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "demo-migrate-x7k2p",
                ["namespace"] = "team-a",
                ["creationTimestamp"] = "2026-11-23T23:50:40Z",
                ["annotations"] = new JsonObject { [NeverReadyAnnotation] = "true" },
            },
        });

        var assessment = await AssessAsync(cli, LastDeployed + TimeSpan.FromMinutes(8), TimeSpan.Zero);

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Equal(
        [
            "Job team-a/demo-migrate-x7k2p: hook not complete (succeeded 0, active 1): helm waits for it",
            "ConfigMap team-a/demo-cfg: no managedFields times; ready",
            "Deployment team-a/demo-web: no managedFields times; ready",
            "helm's waits: window open until 2026-11-24T00:01:39Z (last_deployed 2026-11-23T23:50:39Z + 5m x (1 hook + 1) + 1m), 3m left",
        ], LivenessText.Evidence(assessment));
    }

    private const string NeverReadyAnnotation = "sandbox.helm-unstick/never-ready";

    private static void NeverReady(JsonObject deployment)
    {
        deployment["metadata"]!["annotations"]![NeverReadyAnnotation] = "true";
        deployment.Remove("status");
    }

    private static async Task<LivenessAssessment> AssessAsync(CliHarness cli, DateTimeOffset now, TimeSpan staleAfter)
    {
        var env = new CliEnvironment(new TestConsole(), TextWriter.Null, _ => null, TimeProvider.System, false);
        using var session = ClusterSession.Connect(new KubeTarget(cli.Kubeconfig, null, null), env);
        var history = await new KubeReleaseStore(session, StorageDriver.Secret).ReadHistoryAsync("demo", "team-a", CancellationToken.None);
        return await new LivenessEvidenceReader(session)
            .AssessAsync(history.Latest!, StorageDriver.Secret, now, staleAfter, FiveMinutes, null, CancellationToken.None);
    }
}
