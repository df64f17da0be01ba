namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// One sandbox API server shared by the tests of a class, with a kubeconfig and a HOME of its own for helm,
/// kubectl and helm-unstick. Tests stay independent by each using namespaces of their own.
/// </summary>
public sealed class SandboxCluster : IAsyncLifetime
{
    /// <summary>The demo chart of the shared fixtures: a ConfigMap demo-cfg and a Deployment demo-web.</summary>
    internal static readonly string DemoChart = RepositoryPaths.Chart("demo");

    private SandboxServer? _server;
    private string _root = "";
    private int _namespaces;

    internal SandboxServer Server => _server ?? throw new InvalidOperationException("the sandbox is not started");

    internal string Root => _root;

    internal string StateDirectory => Path.Combine(_root, "state", "helm-unstick");

    private const string RestrictedToken = "oncall-without-databases";

    /// <summary>A kubeconfig whose user may read everything the drills use except Databases (demo.helm-unstick.io).</summary>
    internal string RestrictedKubeconfig => Path.Combine(_root, "restricted.kubeconfig");

    /// <summary>What helm, kubectl and helm-unstick child processes get as their whole environment.</summary>
    internal Dictionary<string, string> Environment => new()
    {
        ["HOME"] = _root,
        ["KUBECONFIG"] = Path.Combine(_root, "kubeconfig"),
        ["HELM_CACHE_HOME"] = Path.Combine(_root, "helm", "cache"),
        ["HELM_CONFIG_HOME"] = Path.Combine(_root, "helm", "config"),
        ["HELM_DATA_HOME"] = Path.Combine(_root, "helm", "data"),
        ["XDG_STATE_HOME"] = Path.Combine(_root, "state"),
        ["USER"] = "oncall",
    };

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("helm-unstick-conformance-").FullName;
        // helm and kubectl send no token over plain HTTP and are admins; helm-unstick sends the kubeconfig's token:
        // the default one is an admin too, RestrictedKubeconfig's user may not read Databases.
        var users = new Dictionary<string, SandboxUser>
        {
            [SandboxServer.AnonymousToken] = SandboxUser.Admin("admin"),
            [RestrictedToken] = new("oncall", [new AccessRule(["*"], ["secrets", "configmaps", "deployments", "replicasets", "statefulsets", "daemonsets", "horizontalpodautoscalers", "jobs", "namespaces"])]),
        };
        _server = await SandboxServer.StartAsync(new SandboxOptions { Users = users, Anonymous = SandboxUser.Admin("admin") });
        _server.WriteKubeconfig(Path.Combine(_root, "kubeconfig"), "sandbox", "default");
        _server.WriteKubeconfig(RestrictedKubeconfig, "sandbox", "default", RestrictedToken);

        // Publishing takes minutes on a loaded machine. Done here, before any test runs helm, it cannot fall
        // between helm's write and helm-unstick's verdict, which would age a pending revision past Helm's window.
        await PublishedHelmUnstick.PathAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A namespace no other test uses, created in the sandbox.</summary>
    internal string NewNamespace(string purpose)
    {
        var name = $"{purpose}-{Interlocked.Increment(ref _namespaces)}";
        Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        return name;
    }

    internal Task<ToolRun> HelmAsync(string helmVersion, params string[] args) => StartHelm(helmVersion, args).WaitAsync();

    /// <summary>helm that must succeed: a failing command fails the test, with its output.</summary>
    internal Task<ToolRun> HelmSucceedsAsync(string helmVersion, params string[] args) => StartHelm(helmVersion, args).SucceedsAsync();

    internal ToolProcess StartHelm(string helmVersion, params string[] args) => StartHelmWithDriver(helmVersion, null, args);

    /// <summary>helm with <c>HELM_DRIVER</c> set when <paramref name="driver"/> is given, e.g. to keep its releases in ConfigMaps.</summary>
    internal ToolProcess StartHelmWithDriver(string helmVersion, string? driver, params string[] args) =>
        ToolProcess.Start(helmVersion, "helm", driver is null ? Environment : new Dictionary<string, string>(Environment) { ["HELM_DRIVER"] = driver }, args);

    /// <summary>A new namespace holding the demo chart, installed by helm of <paramref name="helmVersion"/> as release demo.</summary>
    internal async Task<string> InstallDemoAsync(string helmVersion, string purpose)
    {
        var ns = NewNamespace($"{helmVersion}-{purpose}");
        await HelmSucceedsAsync(helmVersion, "install", "demo", DemoChart, "-n", ns);
        return ns;
    }

    /// <summary>Asserts that <c>helm history</c> of <paramref name="release"/> in <paramref name="ns"/> succeeds and has a line matching each of <paramref name="rows"/>.</summary>
    internal async Task AssertHistoryAsync(string helmVersion, string release, string ns, params string[] rows)
    {
        var history = await HelmSucceedsAsync(helmVersion, "history", release, "-n", ns);
        foreach (var row in rows)
        {
            Assert.Matches(row, history.Out);
        }
    }

    /// <summary>What helm says to any operation on a release that is stuck pending.</summary>
    internal const string AnotherOperationInProgress = "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress";

    /// <summary>Asserts that <c>helm upgrade --install</c> of release demo in <paramref name="ns"/> is refused as stuck.</summary>
    internal async Task AssertHelmIsStuckAsync(string helmVersion, string ns, string? driver = null)
    {
        var upgrade = await StartHelmWithDriver(helmVersion, driver, "upgrade", "--install", "demo", DemoChart, "-n", ns).WaitAsync();
        Assert.True(upgrade.ExitCode == 1, upgrade.ToString());
        Assert.Equal(AnotherOperationInProgress, upgrade.Err.Trim());
    }

    /// <summary>kubectl of the same toolset: 1.33 next to Helm 3.18, 1.35 next to Helm 4.1.</summary>
    internal Task<ToolRun> KubectlAsync(string helmVersion, params string[] args) =>
        ToolProcess.Start(helmVersion, "kubectl", Environment, args).WaitAsync();

    /// <summary>kubectl that must succeed: a failing command fails the test, with its output.</summary>
    internal Task<ToolRun> KubectlSucceedsAsync(string helmVersion, params string[] args) =>
        ToolProcess.Start(helmVersion, "kubectl", Environment, args).SucceedsAsync();

    /// <summary>Runs the published helm-unstick binary, with the same kubeconfig and HOME as the real tools.</summary>
    internal async Task<UnstickRun> HelmUnstickAsync(params string[] args)
    {
        var run = await (await StartHelmUnstickAsync(args)).WaitAsync();
        return new UnstickRun(string.Join(' ', args), run.ExitCode, run.Out, run.Err);
    }

    /// <summary>
    /// Runs helm until the sandbox holds the request, then SIGKILLs it. The held request is never served: the
    /// rule holds only that one request, and stays in place until the test ends, long after helm is gone.
    /// </summary>
    internal async Task KillHelmAsync(string helm, string method, string pathPattern, string[] args, string? driver = null)
    {
        var hold = Server.Faults.Freeze(method, pathPattern, times: 1);
        using var process = StartHelmWithDriver(helm, driver, args);
        var first = await Task.WhenAny(hold.FirstMatch, process.Exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (first != hold.FirstMatch)
        {
            Assert.Fail(process.Exited.IsCompleted
                ? $"helm ended before sending {method} {pathPattern}:\n{await process.WaitAsync()}"
                : $"helm did not send {method} {pathPattern} within 2 minutes:\n--- stdout\n{process.Out}\n--- stderr\n{process.Err}");
        }

        await process.KillAsync();
    }

    internal async Task<ToolProcess> StartHelmUnstickAsync(params string[] args) =>
        ToolProcess.StartAt(await PublishedHelmUnstick.PathAsync(), "helm-unstick", Environment, args);

    internal JsonObject? Secret(string ns, string name) => Server.Store.Get("v1", "secrets", ns, name);
}

/// <summary>How a helm-unstick command ended.</summary>
internal sealed record UnstickRun(string CommandLine, int ExitCode, string Out, string Err)
{
    public override string ToString() => new StringBuilder().Append("$ helm-unstick ").AppendLine(CommandLine)
        .Append("exit ").Append(ExitCode).AppendLine()
        .AppendLine("--- stdout").AppendLine(Out).AppendLine("--- stderr").Append(Err).ToString();
}
