namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The packaged plugin directory installed into real Helm 3.18 and 4.1 with <c>helm plugin install</c>:
/// <c>helm unstick</c> answers exactly as the standalone binary given the same namespace and context as flags.
/// </summary>
public sealed partial class HelmPluginTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    /// <summary>A context whose server refuses every connection: whoever uses it by mistake fails loudly.</summary>
    private const string UnreachableContext = "unreachable";

    [Theory]
    [EachToolset]
    public async Task InstalledFromThePackagedDirectory_AnswersAsTheStandaloneBinary_WithHelmsNamespaceAndContextPassedThrough(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-plugin");
        await cluster.KillHelmAsync(helm, "PUT", $"^/api/v1/namespaces/{ns}/secrets/sh\\.helm\\.release\\.v1\\.demo\\.v1$",
            ["install", "demo", SandboxCluster.DemoChart, "-n", ns]);
        var plugin = PluginEnvironment(helm);

        var install = await Helm(helm, plugin, "plugin", "install", PublishedHelmUnstick.PluginDirectory).SucceedsAsync();
        Assert.Contains("Installed plugin: unstick", install.Out);
        var list = await Helm(helm, plugin, "plugin", "list").SucceedsAsync();
        Assert.Matches(@$"(?m)^unstick\s+{Regex.Escape(PublishedHelmUnstick.Version)}\s", list.Out);
        var version = await Helm(helm, plugin, "unstick", "--version").SucceedsAsync();
        Assert.Equal((await cluster.HelmUnstickAsync("--version")).Out, version.Out);
        Assert.StartsWith($"helm-unstick {PublishedHelmUnstick.Version} (commit ", version.Out, StringComparison.Ordinal);

        await AssertSameAsync(helm, plugin, ["unstick", "scan", "-A", "-o", "json"], ["scan", "-A", "-o", "json"], expectedExit: 1);
        await AssertSameAsync(helm, plugin, ["-n", ns, "unstick", "check", "demo"], ["check", "demo", "-n", ns], expectedExit: 1);
        await AssertSameAsync(helm, plugin, ["-n", ns, "unstick", "scan", "-o", "json"], ["scan", "-n", ns, "-o", "json"], expectedExit: 1);

        // helm's --kube-context picks the cluster; helm-unstick's own --context, given after unstick, wins over it.
        var twoContexts = TwoContextKubeconfig();
        var withTwoContexts = new Dictionary<string, string>(plugin) { ["KUBECONFIG"] = twoContexts };
        await AssertSameAsync(helm, withTwoContexts, ["--kube-context", "sandbox", "unstick", "scan", "-A", "-o", "json"],
            ["scan", "-A", "-o", "json", "--context", "sandbox", "--kubeconfig", twoContexts], expectedExit: 1);
        await AssertSameAsync(helm, withTwoContexts, ["--kube-context", UnreachableContext, "unstick", "scan", "-A", "-o", "json", "--context", "sandbox"],
            ["scan", "-A", "-o", "json", "--context", "sandbox", "--kubeconfig", twoContexts], expectedExit: 1);
        var unreachable = await Helm(helm, withTwoContexts, "unstick", "scan", "-A").WaitAsync();
        Assert.True(unreachable.ExitCode == 3 && unreachable.Err.Contains(UnreachableContext, StringComparison.Ordinal), unreachable.ToString());

        await Helm(helm, plugin, "plugin", "uninstall", "unstick").SucceedsAsync();
    }

    /// <summary>
    /// Runs <paramref name="viaHelm"/> through helm and <paramref name="standalone"/> through the binary, and asserts
    /// the same exit code and output, apart from the seconds that pass between the two runs.
    /// </summary>
    private async Task AssertSameAsync(string helm, Dictionary<string, string> environment, string[] viaHelm, string[] standalone, int expectedExit)
    {
        var plugin = await Helm(helm, environment, viaHelm).WaitAsync();
        var binary = await cluster.HelmUnstickAsync(standalone);
        Assert.True(binary.ExitCode == expectedExit, binary.ToString());
        Assert.True(plugin.ExitCode == binary.ExitCode, $"{plugin}\n\nstandalone:\n{binary}");
        Assert.Equal(WithoutElapsedTime(binary.Out), WithoutElapsedTime(plugin.Out));
        // helm adds one line of its own when a plugin exits non-zero.
        Assert.Equal(WithoutElapsedTime(binary.Err), WithoutElapsedTime(plugin.Err.Replace("Error: plugin \"unstick\" exited with error\n", "", StringComparison.Ordinal)));
    }

    private static string WithoutElapsedTime(string output) => ElapsedTime().Replace(output, "N");

    [GeneratedRegex(@"\d+(\.\d+)?(ms|s|m|h)?\b")]
    private static partial Regex ElapsedTime();

    /// <summary>The cluster's environment with a Helm data directory per Helm version, so each installs its own plugin.</summary>
    private Dictionary<string, string> PluginEnvironment(string helm) =>
        new(cluster.Environment) { ["HELM_DATA_HOME"] = Path.Combine(cluster.Root, "helm", $"data-{helm}") };

    private static ToolProcess Helm(string helm, Dictionary<string, string> environment, params string[] args) =>
        ToolProcess.Start(helm, "helm", environment, args);

    /// <summary>The sandbox's context plus one on a closed port, which is the current context.</summary>
    private string TwoContextKubeconfig()
    {
        var path = Path.Combine(cluster.Root, "two-contexts.kubeconfig");
        File.WriteAllText(path, Kubeconfig.Yaml(
            [cluster.Server.Context("sandbox"), new KubeconfigContext(UnreachableContext, "http://127.0.0.1:9", SandboxServer.AnonymousToken)],
            currentContext: UnreachableContext));
        return path;
    }
}
