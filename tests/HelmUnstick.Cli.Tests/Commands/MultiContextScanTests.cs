namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// <c>scan --context a,b</c> and <c>--all-contexts</c> over a kubeconfig of three contexts: gprd and gstg are two
/// sandboxes holding clusters stuck by real Helm, ops is a server that refuses every connection.
/// </summary>
public sealed class MultiContextScanTests
{
    private const string Unreachable = "http://127.0.0.1:9";

    [Fact]
    public async Task AllContexts_ListsTheStuckReleasesOfBothSandboxesWithTheirContext_NamesTheUnreachableOneOnStderr_Exits1()
    {
        await using var fleet = await Fleet.StartAsync();

        var run = await fleet.Cli.RunAsync("scan", "--all-contexts", "-A", "-o", "json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(
            ["gprd team-a/demo 4", "gprd team-c/stuckinst 1", "gstg team-a/demo 4"],
            JsonNode.Parse(run.Out)!.AsArray().Select(f => $"{f!["context"]} {f["namespace"]}/{f["release"]} {f["revision"]}"));
        Assert.Equal(
            $"error: context ops: cannot reach the API server {Unreachable} (context ops) while listing release Secrets in all namespaces: Connection refused\n",
            run.Err);
    }

    [Fact]
    public async Task ContextList_OneTableWithTheContextFirst_AndTheNextCommandNamesIt()
    {
        await using var fleet = await Fleet.StartAsync();

        var run = await fleet.Cli.RunAsync("scan", "--context", "gstg,gprd", "-n", "team-a");

        Assert.True(run.ExitCode == 1, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^CONTEXT\s+NAMESPACE\s+RELEASE\s+REVISION\s+STATUS\s", lines[0]);
        Assert.Matches(@"^gprd\s+team-a\s+demo\s+4\s+pending-upgrade\s", lines[1]);
        Assert.Matches(@"^gstg\s+team-a\s+demo\s+4\s+pending-upgrade\s", lines[2]);
        Assert.Equal("2 stuck release(s) among 2 in 2 of 2 contexts (each context's namespace or -n). Next: helm-unstick fix RELEASE -n NAMESPACE --context CONTEXT", lines[3]);
        Assert.Equal(4, lines.Length);
        Assert.Empty(run.Err);
    }

    [Fact]
    public async Task AllContexts_NoneReachable_Exits3_NamingEach()
    {
        await using var cli = await CliHarness.StartAsync("healthy");
        cli.SetEnvironment("KUBECONFIG", WriteKubeconfig(cli, [Context("a", Unreachable), Context("b", Unreachable)]));

        var run = await cli.RunAsync("scan", "--all-contexts", "-o", "json");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal("", run.Out);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("error: context a: cannot reach the API server", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("error: context b: cannot reach the API server", lines[1], StringComparison.Ordinal);
        Assert.Equal("error: none of the 2 contexts could be scanned", lines[2]);
    }

    [Fact]
    public async Task OneContext_JsonItemsCarryTheContextUsed()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("scan", "-A", "-o", "json");

        Assert.Equal(["sandbox"], JsonNode.Parse(run.Out)!.AsArray().Select(f => (string?)f!["context"]));
    }

    [Theory]
    [InlineData(new[] { "scan", "--context", "gprd,nope,gone" }, "error: contexts \"nope\", \"gone\" not in kubeconfig {0} (contexts: gprd, gstg, ops)")]
    [InlineData(new[] { "scan", "--all-contexts", "--context", "gprd" }, "error: --all-contexts scans every context of the kubeconfig; give either it or --context a,b, not both")]
    [InlineData(new[] { "check", "demo", "-n", "team-a", "--context", "gprd,gstg" }, "error: --context 'gprd,gstg' names several contexts; check works on one cluster at a time: give one context (scan takes several)")]
    [InlineData(new[] { "fix", "demo", "-n", "team-a", "--context", "gprd,gstg" }, "error: --context 'gprd,gstg' names several contexts; fix works on one cluster at a time: give one context (scan takes several)")]
    [InlineData(new[] { "explain", "demo", "-n", "team-a", "--context", "gprd,gstg" }, "error: --context 'gprd,gstg' names several contexts; explain works on one cluster at a time: give one context (scan takes several)")]
    public async Task BadContexts_AreAUsageError_InOneLine(string[] args, string expected)
    {
        await using var fleet = await Fleet.StartAsync();

        var run = await fleet.Cli.RunAsync(args);

        Assert.Equal((2, "", string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, fleet.Kubeconfig) + "\n"), (run.ExitCode, run.Out, run.Err));
    }

    [Theory]
    [InlineData("")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")]
    public async Task EmptyKubeconfig_IsAUsageError_ForOneContextAndForAll(string content)
    {
        await using var cli = await CliHarness.StartAsync("healthy");
        var path = Path.Combine(cli.Root, "empty.kubeconfig");
        await File.WriteAllTextAsync(path, content);
        var expected = $"error: kubeconfig {path} has no contexts; pass --kubeconfig FILE with at least one, or set KUBECONFIG\n";

        var all = await cli.RunAsync("scan", "--all-contexts", "--kubeconfig", path);
        var one = await cli.RunAsync("scan", "--kubeconfig", path);

        Assert.Equal((2, expected), (all.ExitCode, all.Err));
        Assert.Equal((2, expected), (one.ExitCode, one.Err));
    }

    [Fact]
    public async Task Watch_OverSeveralContexts_ReportsEachChangeWithItsContext()
    {
        await using var fleet = await Fleet.StartAsync();
        using var stop = new CancellationTokenSource();

        // A pass over gstg begins with its metadata-only list (the pending payloads are listed beside it).
        int Passes() => fleet.Gstg.Requests.Requests.Count(r => r.Path == "/api/v1/secrets" && r.MetadataOnly);

        var watching = fleet.Cli.RunAsync(["scan", "--context", "gprd,gstg,ops", "-A", "--watch", "50ms"], stop.Token);
        await WatchProgress.UntilAsync(() => Passes() >= 2, watching);
        fleet.Gstg.Store.Delete("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4");
        var after = Passes();
        await WatchProgress.UntilAsync(() => Passes() >= after + 2, watching);
        await stop.CancelAsync();
        var run = await watching;

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[("yyyy-MM-dd HH:mm:ssZ  ".Length)..]);
        Assert.Equal(
            [
                "gprd team-a/demo: stuck at revision 4 (pending-upgrade, stale)",
                "gprd team-c/stuckinst: stuck at revision 1 (pending-install, stale)",
                "gstg team-a/demo: stuck at revision 4 (pending-upgrade, stale)",
                "gstg team-a/demo: no longer stuck (revision 4 was pending-upgrade)",
            ],
            lines);
        Assert.All(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("error: context ops: cannot reach", l, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("helm-unstick scan --context gp", "gprd")]
    [InlineData("helm-unstick scan --context gprd,", "gprd,gstg", "gprd,ops")]
    [InlineData("helm-unstick scan --context gprd,o", "gprd,ops")]
    public async Task Completion_OffersContextNames_AfterTheComma_ThoseNotYetListed(string line, params string[] expected)
    {
        await using var fleet = await Fleet.StartAsync();

        var run = await fleet.Cli.RunAsync($"[suggest:{line.Length}]", line);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(c => !c.StartsWith('-')));
    }

    private static KubeconfigContext Context(string name, string server) => new(name, server, SandboxServer.AnonymousToken);

    private static string WriteKubeconfig(CliHarness cli, IReadOnlyList<KubeconfigContext> contexts)
    {
        var path = Path.Combine(cli.Root, "fleet.kubeconfig");
        File.WriteAllText(path, Kubeconfig.Yaml(contexts, contexts[0].Name));
        return path;
    }

    /// <summary>gprd: the harness's sandbox (stuck install store); gstg: a second sandbox (stuck upgrade store); ops: unreachable.</summary>
    private sealed class Fleet(CliHarness cli, SandboxServer gstg, string kubeconfig) : IAsyncDisposable
    {
        public CliHarness Cli { get; } = cli;

        public SandboxServer Gstg { get; } = gstg;

        public string Kubeconfig { get; } = kubeconfig;

        public static async Task<Fleet> StartAsync()
        {
            var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
            var gstg = await SandboxServer.StartAsync(new SandboxOptions { Scenario = Scenario.Load(Fixtures.StuckUpgradeStore) });
            var kubeconfig = WriteKubeconfig(cli, [cli.Server.Context("gprd"), gstg.Context("gstg"), Context("ops", Unreachable)]);
            cli.SetEnvironment("KUBECONFIG", kubeconfig);
            return new Fleet(cli, gstg, kubeconfig);
        }

        public async ValueTask DisposeAsync()
        {
            await Gstg.DisposeAsync();
            await Cli.DisposeAsync();
        }
    }
}
