namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// Run by helm as the plugin <c>helm unstick</c> (HELM_PLUGIN_NAME set), helm-unstick takes the namespace and
/// context helm passes; its own flags win; run standalone, helm's variables change nothing.
/// </summary>
public sealed class HelmPluginContextTests
{
    [Fact]
    public async Task AsAHelmPlugin_HelmsContextAndNamespace_ApplyWhereTheFlagsAreSilent_AndTheFlagsWin()
    {
        await using var cli = await StartAsHelmPluginAsync(helmContext: "sandbox", helmNamespace: "team-c");

        var helmsChoice = await cli.RunAsync("scan", "-o", "json");
        var namespaceFlag = await cli.RunAsync("scan", "-n", "team-a", "-o", "json");
        var contextFlag = await cli.RunAsync("scan", "--context", "unreachable");

        Assert.True(helmsChoice.ExitCode == 1, helmsChoice.ToString());
        Assert.Equal(["sandbox team-c/stuckinst"], Releases(helmsChoice));
        Assert.Equal(["sandbox team-a/demo"], Releases(namespaceFlag));
        Assert.True(contextFlag.ExitCode == 3 && contextFlag.Err.Contains("(context unreachable)", StringComparison.Ordinal), contextFlag.ToString());
    }

    [Fact]
    public async Task AsAHelmPlugin_EmptyVariables_MeanNotSet()
    {
        await using var cli = await StartAsHelmPluginAsync(helmContext: "", helmNamespace: "");

        var run = await cli.RunAsync("scan", "-A");

        Assert.True(run.ExitCode == 3 && run.Err.Contains("(context unreachable)", StringComparison.Ordinal), run.ToString());
    }

    [Fact]
    public async Task Standalone_HelmsVariables_ChangeNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
        cli.SetEnvironment("HELM_KUBECONTEXT", "elsewhere");
        cli.SetEnvironment("HELM_NAMESPACE", "team-c");

        var run = await cli.RunAsync("scan");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("No stuck releases among 0 release(s) (0 release Secrets) in namespace default.\n", run.Out);
    }

    [Fact]
    public async Task AsAHelmPlugin_HelmsOwnCredentialFlags_AreRefusedInOneLine()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
        cli.SetEnvironment("HELM_PLUGIN_NAME", "unstick");
        cli.SetEnvironment("HELM_KUBETOKEN", "t0ken");

        var run = await cli.RunAsync("check", "demo", "-n", "team-a");

        Assert.Equal((2, ""), (run.ExitCode, run.Out));
        Assert.Equal("error: helm's --kube-token ($HELM_KUBETOKEN) is not supported by helm unstick: put the server and credentials in a kubeconfig context and pass --kube-context NAME\n", run.Err);
    }

    /// <summary>
    /// Run by helm as its plugin, helm's kube context and namespace passed (empty: helm passes them empty) over two
    /// contexts: the stuck-install store, reached through context "sandbox"; the current context "unreachable" is a closed port.
    /// </summary>
    private static async Task<CliHarness> StartAsHelmPluginAsync(string helmContext, string helmNamespace)
    {
        var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);
        var path = Path.Combine(cli.Root, "two-contexts.kubeconfig");
        await File.WriteAllTextAsync(path, Kubeconfig.Yaml(
            [cli.Server.Context("sandbox"), new KubeconfigContext("unreachable", "http://127.0.0.1:9", SandboxServer.AnonymousToken)], "unreachable"));
        cli.SetEnvironment("KUBECONFIG", path);
        cli.SetEnvironment("HELM_PLUGIN_NAME", "unstick");
        cli.SetEnvironment("HELM_KUBECONTEXT", helmContext);
        cli.SetEnvironment("HELM_NAMESPACE", helmNamespace);
        return cli;
    }

    private static IEnumerable<string> Releases(CliRun run) =>
        JsonNode.Parse(run.Out)!.AsArray().Select(f => $"{f!["context"]} {f["namespace"]}/{f["release"]}");
}
