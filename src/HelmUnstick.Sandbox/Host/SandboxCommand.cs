using System.CommandLine;
using HelmUnstick.Cli;
using HelmUnstick.Sandbox.GitHub;
using HelmUnstick.Cli.Commands;
using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Sandbox.Host;

/// <summary><c>helm-unstick-sandbox</c>: serves the Kubernetes API emulator on loopback so the runbook can be rehearsed with real tools.</summary>
internal sealed class SandboxCommand(CliEnvironment env)
{
    private readonly Option<string> _scenario = new("--scenario")
    {
        Description = $"A built-in scenario ({string.Join(", ", Scenario.BuiltInNames)}) or a store file in the format of ../shared/fixtures/helm3.18/cluster-*.json",
        DefaultValueFactory = _ => "gitlab-cny",
    };

    private readonly Option<string> _gitHubScenario = new("--github-scenario")
    {
        Description = $"What the GitHub API stub under /github shows for {GitHubStubState.DemoRepository}: {string.Join(", ", GitHubStubState.ScenarioNames)}",
        DefaultValueFactory = _ => "quiet",
    };

    private readonly Option<int> _port = new("--port") { Description = "Port on 127.0.0.1 (default: any free port)" };
    private readonly Option<TimeSpan?> _latency = CommonOptions.Duration(
        "--latency",
        $"Hold every request this long before serving it, as a remote API server would (Go duration, e.g. 50ms; default 0s). " +
        $"GET {SandboxServer.RequestLogPath} answers the requests served so far (total, sequential round trips, counts by method and path); DELETE clears them",
        "20ms or 50ms");

    private readonly Option<string?> _kubeconfigOut = new("--kubeconfig-out") { Description = "Where to write the kubeconfig (default: $XDG_STATE_HOME/helm-unstick/sandbox/kubeconfig)" };

    /// <summary>The root command of <c>helm-unstick-sandbox</c>, with <c>demo</c> beside the server.</summary>
    public RootCommand Build()
    {
        _gitHubScenario.AcceptOnlyFromAmong([.. GitHubStubState.ScenarioNames]);
        var command = new RootCommand("""
            helm-unstick-sandbox: serve a sandbox Kubernetes API (and GitLab and GitHub API stubs under /gitlab and /github) on 127.0.0.1 until Ctrl+C, and write a
            kubeconfig for it, so the runbook can be practised with real helm, kubectl and helm-unstick.
            Stops cleanly on Ctrl+C or SIGTERM.
            """)
        {
            _scenario, _gitHubScenario, _port, _latency, _kubeconfigOut, new DemoCommand(env).Build(),
        };
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        await using var sandbox = await SandboxHost.StartAsync(result.GetValue(_scenario)!, result.GetValue(_port), ct, result.GetValue(_latency) ?? TimeSpan.Zero, result.GetValue(_gitHubScenario)!);
        var kubeconfig = Path.GetFullPath(result.GetValue(_kubeconfigOut) ?? Path.Combine(env.StateDirectory, "sandbox", "kubeconfig"));
        Directory.CreateDirectory(Path.GetDirectoryName(kubeconfig)!);
        sandbox.Server.WriteKubeconfig(kubeconfig, "sandbox", sandbox.DefaultNamespace);

        env.WriteData($"""
            Sandbox Kubernetes API: {sandbox.Server.BaseAddress} (scenario {sandbox.ScenarioName}{LatencyNote(result.GetValue(_latency))})
            Requests served:        {new Uri(sandbox.Server.BaseAddress, SandboxServer.RequestLogPath)}
            GitLab API stub:        {sandbox.GitLabUrl} (project {GitLabStubState.DemoProject}; a gprd:upgrade deploy job is running)
            GitHub API stub:        {sandbox.GitHubUrl} (repository {GitHubStubState.DemoRepository}, environment production-eu; scenario {result.GetValue(_gitHubScenario)})
            Kubeconfig:             {kubeconfig}

            Point real tools at it:
              export KUBECONFIG={kubeconfig}
              helm list -A --pending
              kubectl get deployments -n {sandbox.DefaultNamespace}
              helm-unstick scan -A
              helm-unstick check {sandbox.Release} -n {sandbox.DefaultNamespace} {sandbox.CiFlags}
              helm-unstick fix {sandbox.Release} -n {sandbox.DefaultNamespace} {sandbox.CiFlags}
              helm-unstick check {sandbox.Release} -n {sandbox.DefaultNamespace} {sandbox.GitHubFlags}

            Press Ctrl+C to stop.
            """);
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            env.WriteData("Sandbox stopped.");
        }

        return ExitCodes.Ok;
    }

    private static string LatencyNote(TimeSpan? latency) =>
        latency > TimeSpan.Zero ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {latency.Value.TotalMilliseconds:0.###} ms per request") : "";
}

/// <summary>The sandbox API server with the GitLab and GitHub stubs mapped beside it, as <c>demo</c> and <c>sandbox</c> run it.</summary>
internal sealed class SandboxHost(SandboxServer server, GitLabStubState gitLab, GitHubStubState gitHub, Scenario scenario) : IAsyncDisposable
{
    public SandboxServer Server { get; } = server;

    public GitLabStubState GitLab { get; } = gitLab;

    public GitHubStubState GitHub { get; } = gitHub;

    public string ScenarioName => scenario.Name;

    public string DefaultNamespace => scenario.MainNamespace;

    public string Release => scenario.MainRelease;

    public string GitLabUrl => new Uri(Server.BaseAddress, "gitlab").ToString();

    public string GitHubUrl => new Uri(Server.BaseAddress, "github").ToString();

    /// <summary>The flags that map the sandbox cluster to its deploy environment in the GitLab stub.</summary>
    public string CiFlags => $"--gitlab-url {GitLabUrl} --gitlab-project {GitLabStubState.DemoProject} --gitlab-environment gprd";

    /// <summary>The flags that map the sandbox cluster to its deploy environment in the GitHub stub.</summary>
    public string GitHubFlags => $"--github-url {GitHubUrl} --github-repository {GitHubStubState.DemoRepository} --github-environment production-eu";

    public static async Task<SandboxHost> StartAsync(string scenarioName, int port, CancellationToken ct, TimeSpan latency = default, string gitHubScenario = "quiet")
    {
        Scenario scenario;
        try
        {
            scenario = Scenario.Load(scenarioName);
        }
        catch (ScenarioException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        var gitHub = GitHubStubState.Create(gitHubScenario);
        var gitLab = GitLabStubState.CreateDemo();
        try
        {
            var server = await SandboxServer.StartAsync(
                new SandboxOptions
                {
                    Port = port,
                    Scenario = scenario,
                    Latency = latency,
                    ConfigureEndpoints = app =>
                    {
                        app.MapGitLabStub(gitLab);
                        app.MapGitHubStub(gitHub);
                    },
                },
                ct);
            return new SandboxHost(server, gitLab, gitHub, scenario);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot listen on 127.0.0.1:{port}: {e.Message}");
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
