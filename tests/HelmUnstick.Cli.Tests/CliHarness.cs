using HelmUnstick.Sandbox.GitHub;
using HelmUnstick.Sandbox.GitLab;
using HelmUnstick.Sandbox.Host;
using Spectre.Console;

namespace HelmUnstick.Cli.Tests;

/// <summary>
/// Runs helm-unstick in-process against the sandbox API server on loopback, with its own HOME, state and
/// kubeconfig, so every test sees a fresh cluster and a fresh backup folder.
/// </summary>
internal sealed class CliHarness : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment = new();

    private CliHarness(SandboxServer server, string root)
    {
        Server = server;
        Root = root;
        Kubeconfig = Path.Combine(root, "kubeconfig");
        server.WriteKubeconfig(Kubeconfig, "sandbox", "default");
        _environment["HOME"] = root;
        _environment["XDG_STATE_HOME"] = Path.Combine(root, "state");
        _environment["XDG_CONFIG_HOME"] = Path.Combine(root, "config");
        _environment["KUBECONFIG"] = Kubeconfig;
        _environment["USER"] = "oncall";
    }

    public SandboxServer Server { get; }

    public string Root { get; }

    public string Kubeconfig { get; }

    public string StateDirectory => Path.Combine(Root, "state", "helm-unstick");

    public DateTimeOffset Now { get; set; } = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public bool Interactive { get; set; }

    /// <summary>Standard output is a colour terminal; otherwise a pipe (the console still could write colour: it must not).</summary>
    public bool OutputIsTerminal { get; set; }

    /// <summary>For commands that wait in real time (polling); otherwise the clock stands still at <see cref="Now"/>.</summary>
    public bool UseSystemClock { get; set; }

    /// <summary>A clock the test drives (overrides <see cref="Now"/> and <see cref="UseSystemClock"/>).</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>The environment variables every run sees (HOME, state, kubeconfig, user).</summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;

    public static Task<CliHarness> StartAsync(string scenario) => StartAsync(new SandboxOptions { Scenario = Scenario.Load(scenario) });

    public static async Task<CliHarness> StartAsync(SandboxOptions options)
    {
        var root = Directory.CreateTempSubdirectory("helm-unstick-test-").FullName;
        return new CliHarness(await SandboxServer.StartAsync(options), root);
    }

    /// <summary>The gitlab-cny cluster with <paramref name="gitLab"/> served beside it under <c>/gitlab</c>.</summary>
    public static Task<CliHarness> StartWithGitLabAsync(GitLabStubState gitLab) => StartAsync(new SandboxOptions
    {
        Scenario = Scenario.Load("gitlab-cny"),
        ConfigureEndpoints = app => app.MapGitLabStub(gitLab),
    });

    /// <summary>The gitlab-cny cluster with both CI stubs served beside it, under <c>/gitlab</c> and <c>/github</c>.</summary>
    public static Task<CliHarness> StartWithCiAsync(GitLabStubState gitLab, GitHubStubState gitHub) => StartAsync(new SandboxOptions
    {
        Scenario = Scenario.Load("gitlab-cny"),
        ConfigureEndpoints = app =>
        {
            app.MapGitLabStub(gitLab);
            app.MapGitHubStub(gitHub);
        },
    });

    /// <summary>The flags that make helm-unstick ask the GitHub stub about its repository's production-eu environment.</summary>
    public string[] GitHubDemoFlags =>
        ["--github-url", new Uri(Server.BaseAddress, "github").ToString(), "--github-repository", GitHubStubState.DemoRepository, "--github-environment", "production-eu"];

    /// <summary>The flags that make helm-unstick ask the GitLab stub about its demo project's gprd environment.</summary>
    public string[] GitLabDemoFlags =>
        ["--gitlab-url", new Uri(Server.BaseAddress, "gitlab").ToString(), "--gitlab-project", GitLabStubState.DemoProject, "--gitlab-environment", "gprd"];

    public void SetEnvironment(string name, string? value) => _environment[name] = value;

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    public async Task<CliRun> RunAsync(string[] args, CancellationToken ct)
    {
        var console = new TestConsole().Width(4096).EmitAnsiSequences().Colors(ColorSystem.TrueColor);
        var error = new StringWriter();
        var clock = Clock ?? (UseSystemClock ? TimeProvider.System : new FixedClock(Now));
        var env = new CliEnvironment(console, error, n => _environment.GetValueOrDefault(n), clock, Interactive, OutputIsTerminal: OutputIsTerminal);
        var code = await CliApp.InvokeAsync(args, env, ct);
        return new CliRun(code, console.Output, error.ToString());
    }

    /// <summary>The environment a command run gets, with the given console, error stream and clock.</summary>
    public CliEnvironment EnvironmentFor(Spectre.Console.IAnsiConsole console, TextWriter error, TimeProvider clock) =>
        new(console, error, n => _environment.GetValueOrDefault(n), clock, Interactive);

    /// <summary>Runs <c>helm-unstick-sandbox</c> (the emulator's own tool, with <c>demo</c>) in-process.</summary>
    public async Task<CliRun> RunSandboxToolAsync(string[] args, CancellationToken ct = default)
    {
        var console = new TestConsole().Width(4096);
        var error = new StringWriter();
        var env = new CliEnvironment(console, error, n => _environment.GetValueOrDefault(n), new FixedClock(Now), Interactive);
        var code = await CliApp.InvokeAsync(e => new SandboxCommand(e).Build(), "helm-unstick-sandbox", args, env, ct);
        return new CliRun(code, console.Output, error.ToString());
    }

    /// <summary>A session to the sandbox on <paramref name="clock"/>, for tests that call the engine's types directly.</summary>
    public ClusterSession Connect(TimeProvider clock) =>
        ClusterSession.Connect(new KubeTarget(Kubeconfig, null, null), EnvironmentFor(new TestConsole(), TextWriter.Null, clock));

    public JsonObject? Secret(string ns, string name) => Server.Store.Get("v1", "secrets", ns, name);

    public JsonObject? Lease(string ns, string name) => Server.Store.Get("coordination.k8s.io/v1", "leases", ns, name);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

internal sealed record CliRun(int ExitCode, string Out, string Err)
{
    public override string ToString() => new StringBuilder().Append("exit ").Append(ExitCode).AppendLine()
        .AppendLine("--- stdout").AppendLine(Out).AppendLine("--- stderr").Append(Err).ToString();
}

/// <summary>Paths to the real Helm data in ../shared/fixtures.</summary>
internal static class Fixtures
{
    public static string Root => RepositoryPaths.Root;

    public static string PathOf(string relative) => Path.Combine(Root, "..", "shared", "fixtures", relative);

    public static string StuckUpgradeStore => PathOf("helm3.18/cluster-with-stuck-upgrade.json");

    public static string StuckInstallStore => PathOf("helm3.18/cluster-with-stuck-install.json");
}
