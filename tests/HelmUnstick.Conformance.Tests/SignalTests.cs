namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The long-running commands end cleanly on SIGTERM, as a service manager, a pod's shutdown or a plain kill sends
/// it: exit code 0 within the 10 s a supervisor grants before SIGKILL.
/// </summary>
public sealed class SignalTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sandbox_OnSigterm_StopsAndExits0()
    {
        var kubeconfig = Path.Combine(cluster.Root, "signal-sandbox.kubeconfig");
        using var sandbox = ToolProcess.StartAt(
            Path.Combine(AppContext.BaseDirectory, "helm-unstick-sandbox"), "helm-unstick-sandbox",
            new Dictionary<string, string> { ["HOME"] = cluster.Root }, ["--kubeconfig-out", kubeconfig]);

        Assert.StartsWith("Sandbox Kubernetes API: http", await sandbox.FirstLineAsync());
        var run = await sandbox.TerminateAsync(GracePeriod);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.EndsWith("Sandbox stopped.", run.Out.TrimEnd());
    }

    [Fact]
    public async Task ScanWatch_OnSigterm_StopsAndExits0()
    {
        await using var stuck = await SandboxServer.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });
        var kubeconfig = Path.Combine(cluster.Root, "signal-watch.kubeconfig");
        stuck.WriteKubeconfig(kubeconfig, "stuck", "default");

        using var watch = await cluster.StartHelmUnstickAsync("scan", "-A", "--watch", "1s", "--kubeconfig", kubeconfig);

        Assert.EndsWith("gitlab-cny/gitlab-cny: stuck at revision 1234 (pending-upgrade, stale)", await watch.FirstLineAsync());
        var run = await watch.TerminateAsync(GracePeriod);

        Assert.True(run.ExitCode == 0, run.ToString());
    }
}
