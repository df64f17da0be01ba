namespace HelmUnstick.Cli.Tests.Commands;

public sealed class ExplainCommandTests
{
    private const string Password = "hunter2-correct-horse";

    private static readonly string[] ExplainDemo = ["explain", "demo", "-n", "team-a"];

    private static async Task<JsonObject> ExplainJsonAsync(CliHarness cli, params string[] args)
    {
        var run = await cli.RunAsync([.. args, "-o", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Out)!.AsObject();
    }

    private static JsonObject Resource(JsonObject explanation, string kind, string name) =>
        explanation["resources"]!.AsArray().Select(r => r!.AsObject())
            .Single(r => (string?)r["kind"] == kind && (string?)r["name"] == name);

    private static string Live(JsonObject explanation, string kind, string name) => (string)Resource(explanation, kind, name)["live"]!;

    [Fact]
    public async Task Explain_StuckAfterHelmAppliedEveryObject_SaysTheClusterRunsRevisionNAndTheDryRunWillShowIt()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(ExplainDemo);
        var verbose = await cli.RunAsync([.. ExplainDemo, "-v"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("Release demo in namespace team-a: revision 4 (pending-upgrade) compared with revision 3 (deployed)", run.Out);
        Assert.Contains("\nNext upgrade: The cluster already runs revision 4's spec for the 1 changed resource", run.Out);
        Assert.Contains("\nLive: The only changed object already runs revision 4 (Deployment demo-web).\n", run.Out);
        Assert.DoesNotMatch(@"ConfigMap\s+demo-cfg", run.Out);
        Assert.Matches(@"Deployment\s+demo-web\s+changed\s+matches-stuck", verbose.Out);
        Assert.Matches(@"ConfigMap\s+demo-cfg\s+unchanged\s+matches-both", verbose.Out);
        Assert.Contains("Deployment demo-web: the live spec.replicas is revision 4's (the stuck one). The next `helm upgrade --dry-run` will show this as a change", verbose.Out);
    }

    [Fact]
    public async Task Explain_StuckBeforeHelmAppliedAnyObject_SaysTheClusterStillRunsRevisionNMinus1()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("apps/v1", "deployments", "team-a", "demo-web", d => d["spec"]!["replicas"] = 1);

        var run = await cli.RunAsync(ExplainDemo);
        var json = await ExplainJsonAsync(cli, ExplainDemo);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\nLive: None of the 1 changed object runs revision 4 yet; 1 still runs 3 (Deployment demo-web).\n", run.Out);
        Assert.Contains("\nNext upgrade: The cluster still runs revision 3 for the 1 changed resource: revision 4 was never applied", run.Out);
        Assert.Equal("matches-previous", Live(json, "Deployment", "demo-web"));
    }

    [Fact]
    public async Task Explain_PartlyApplied_NamesTheObjectsThatAlreadyRunRevisionN()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        var json = await ExplainJsonAsync(cli, "explain", "gitlab-cny", "-n", "gitlab-cny");

        Assert.Equal((1234, 1233), ((int)json["stuckRevision"]!, (int)json["previousRevision"]!));
        Assert.Equal("matches-stuck", Live(json, "Deployment", "gitlab-cny-webservice"));
        Assert.Equal("matches-stuck", Live(json, "Deployment", "gitlab-cny-sidekiq"));
        Assert.Equal("matches-previous", Live(json, "Deployment", "gitlab-cny-gitlab-shell"));
        Assert.Contains("The cluster already runs revision 1234's spec for", (string)json["summary"]!);
        Assert.Contains("still run revision 1233's and will be changed", (string)json["summary"]!);
    }

    [Fact]
    public async Task Explain_ResourcesAddedAndRemoved_ReportsEachAgainstTheCluster()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release =>
        {
            var manifest = (string)release["manifest"]!;
            var deployment = manifest[manifest.IndexOf("---\n# Source: demo/templates/deployment.yaml", StringComparison.Ordinal)..];
            release["manifest"] = deployment + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: demo-extra
                data:
                  mode: "fast"
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: demo-flags
                data:
                  flag: "on"
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: demo-widget
                spec:
                  size: 2

                """;
        });
        cli.Server.Store.Upsert("v1", "configmaps", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo-extra","namespace":"team-a"},"data":{"mode":"fast"}}
            """)!.AsObject());

        var json = await ExplainJsonAsync(cli, ExplainDemo);

        Assert.Equal(("removed", "matches-previous"), ((string)Resource(json, "ConfigMap", "demo-cfg")["change"]!, Live(json, "ConfigMap", "demo-cfg")));
        Assert.Equal(("added", "matches-stuck"), ((string)Resource(json, "ConfigMap", "demo-extra")["change"]!, Live(json, "ConfigMap", "demo-extra")));
        Assert.Equal(("added", "missing"), ((string)Resource(json, "ConfigMap", "demo-flags")["change"]!, Live(json, "ConfigMap", "demo-flags")));
        Assert.Equal(("added", "missing"), ((string)Resource(json, "Widget", "demo-widget")["change"]!, Live(json, "Widget", "demo-widget")));
        Assert.Contains("ConfigMap demo-cfg: removed by revision 4 but still on the cluster", (string)Resource(json, "ConfigMap", "demo-cfg")["sentence"]!);
    }

    [Fact]
    public async Task Explain_ReleaseWithAHook_LeavesTheHookOutAndSaysThereIsNoPreviousRevision()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        Assert.NotNull(cli.Server.Store.Get("v1", "configmaps", "team-b", "example-preinstall-marker"));

        var run = await cli.RunAsync("explain", "example", "-n", "team-b");
        var json = await ExplainJsonAsync(cli, "explain", "example", "-n", "team-b");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("preinstall", run.Out);
        Assert.Contains("revision 1 (deployed) has no previous revision (a first install)", run.Out);
        Assert.Equal(["example-cfg", "example-web"], json["resources"]!.AsArray().Select(r => (string)r!["name"]!).Order());
        Assert.Null(json["previousRevision"]);
        Assert.Equal("matches-stuck", Live(json, "Deployment", "example-web"));
    }

    [Fact]
    public async Task Explain_StuckInstall_SaysThereIsNoPreviousRevisionAndStillChecksTheCluster()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
        var report = Path.Combine(cli.Root, "note.md");

        var run = await cli.RunAsync("explain", "stuckinst", "-n", "team-c", "--report", report);
        var json = await ExplainJsonAsync(cli, "explain", "stuckinst", "-n", "team-c");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("revision 1 (pending-install) has no previous revision (a first install), so there is nothing Helm diffs from", run.Out);
        Assert.Contains("Chart: demo 0.1.0 (app 1.0.0) (first revision)", run.Out);
        Assert.Null(json["previousRevision"]);
        Assert.Equal("matches-stuck", Live(json, "ConfigMap", "stuckinst-cfg"));
        Assert.Equal("missing", Live(json, "Deployment", "stuckinst-web"));
        Assert.Contains("has no previous revision (a first install)", File.ReadAllText(report));
    }

    [Fact]
    public async Task Explain_KindOutsideTheBuiltInMapping_IsFoundThroughDiscovery()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release => release["manifest"] = (string)release["manifest"]! + """
            ---
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata:
              name: demo-batch
            spec:
              replicas: 2

            """);
        cli.Server.Store.Upsert("apps/v1", "replicasets", JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"demo-batch","namespace":"team-a"},"spec":{"replicas":2}}
            """)!.AsObject());

        var json = await ExplainJsonAsync(cli, ExplainDemo);

        Assert.Equal(("added", "matches-stuck"), ((string)Resource(json, "ReplicaSet", "demo-batch")["change"]!, Live(json, "ReplicaSet", "demo-batch")));
    }

    [Fact]
    public async Task Explain_SecretInValues_NeverPrintedUnlessShowValues()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release =>
            release["config"] = new JsonObject { ["replicas"] = 3, ["db"] = new JsonObject { ["password"] = Password } });
        var report = Path.Combine(cli.Root, "note.md");

        var table = await cli.RunAsync([.. ExplainDemo, "-v"]);
        var json = await cli.RunAsync([.. ExplainDemo, "-o", "json", "--report", report]);
        var shown = await cli.RunAsync([.. ExplainDemo, "--show-values"]);

        Assert.True(table.ExitCode == 0 && json.ExitCode == 0, table + json.ToString());
        Assert.DoesNotContain(Password, table.Out);
        Assert.DoesNotContain(Password, json.Out);
        Assert.DoesNotContain(Password, File.ReadAllText(report));
        Assert.Contains("db: added", table.Out);
        Assert.Contains("values hidden; --show-values shows them", table.Out);
        Assert.Contains($"db: added, {{\"password\":\"{Password}\"}}", shown.Out);
    }

    [Fact]
    public async Task Explain_Json_HasTheContractFields()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var json = await ExplainJsonAsync(cli, ExplainDemo);

        Assert.Equal((4, 3), ((int)json["stuckRevision"]!, (int)json["previousRevision"]!));
        Assert.Equal(("demo", "team-a"), ((string?)json["release"], (string?)json["namespace"]));
        foreach (var resource in json["resources"]!.AsArray().Select(r => r!.AsObject()))
        {
            Assert.Equal("team-a", (string?)resource["namespace"]);
            Assert.False(string.IsNullOrEmpty((string?)resource["kind"]));
            Assert.False(string.IsNullOrEmpty((string?)resource["name"]));
            Assert.Contains((string)resource["change"]!, new[] { "added", "removed", "changed", "unchanged" });
            Assert.Contains((string)resource["live"]!, new[] { "matches-stuck", "matches-previous", "matches-both", "neither", "missing" });
        }

        Assert.Equal(("changed", "matches-stuck"), ((string)Resource(json, "Deployment", "demo-web")["change"]!, Live(json, "Deployment", "demo-web")));
    }

    [Fact]
    public async Task Explain_Report_WritesAnIncidentNoteOnlyTheOwnerCanRead()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var report = Path.Combine(cli.Root, "incident.md");

        var run = await cli.RunAsync([.. ExplainDemo, "--report", report]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Report: {report}", run.Out);
        var note = File.ReadAllText(report);
        Assert.Equal(
            $"""
            # Incident note: Helm release demo in namespace team-a

            - Context: sandbox
            - Written: 2026-11-24 09:00:00Z by `helm-unstick explain`
            - Outcome: explained revision 4; nothing was changed

            ## Timeline

            | Time (UTC) | Step |
            | --- | --- |
            | 2026-11-24 09:00:00Z | Read 4 revision(s) of release demo: helm status shows revision 4 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress. |
            | 2026-11-24 09:00:00Z | Compared revision 4 with revision 3 and the live objects: The cluster already runs revision 4's spec for the 1 changed resource; the next upgrade will show it as a change but apply nothing new to it. |

            ## Checks

            No checks were run: `helm-unstick explain` only reads.

            ## What was changed

            - Nothing was changed.

            {Rendering.ExplanationMarkdownTests.StuckUpgradeExplanation}
            ## What to do next

            - Helm still refuses upgrades; remove the stuck revision with `helm-unstick fix demo -n team-a` (add --apply to change it), then re-run the last failed CI job.
            - Expect: helm status shows revision 4 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress.
            - The next dry run will list changes that already run on the cluster (revision 4's spec); validate against the live objects above before calling the incident remediated.

            """,
            note);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(report));
        }
    }

    [Fact]
    public async Task Explain_ExplicitRevision_ComparesWithTheRevisionBeforeIt()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var json = await ExplainJsonAsync(cli, [.. ExplainDemo, "--revision", "3"]);

        Assert.Equal((3, 2), ((int)json["stuckRevision"]!, (int)json["previousRevision"]!));
    }

    [Fact]
    public async Task Explain_ChangesNothingOnTheCluster()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync("explain", "gitlab-cny", "-n", "gitlab-cny");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Theory]
    [InlineData(new[] { "explain", "demo", "-n", "team-a", "--revision", "9" }, "has no revision 9 (revisions: 1, 2, 3, 4)")]
    [InlineData(new[] { "explain", "nosuch", "-n", "team-a" }, "release \"nosuch\" not found in namespace team-a")]
    [InlineData(new[] { "explain", "demo", "-n", "nowhere" }, "namespace \"nowhere\" not found")]
    public async Task Explain_UnknownReleaseNamespaceOrRevision_IsAUsageError(string[] args, string message)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Err);
    }

    [Fact]
    public async Task Explain_LiveObjectForbidden_IsAnApiErrorNamingTheObject()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var fault = cli.Server.Faults.Respond("GET", "^/apis/apps/v1/namespaces/team-a/deployments/demo-web$", 403, times: 10);

        var run = await cli.RunAsync(ExplainDemo);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("forbidden while reading Deployment team-a/demo-web (apps/v1)", run.Err);
    }
}
