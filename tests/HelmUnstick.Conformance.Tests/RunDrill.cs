namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// What one <c>run</c> drill started, under one time limit. run starts helm in a process group of its own, which a
/// kill of run does not reach, and helm inherits run's stdout and stderr: a helm left behind keeps its frozen request
/// and run's output open, and a wait for either never ends. So every wait here ends by the drill's limit, failing
/// the test with what it waited for and the output so far, and disposing the drill kills every helm process group
/// it saw, then run, then lets go of the held requests.
/// </summary>
internal sealed class RunDrill(SandboxCluster cluster) : IDisposable
{
    /// <summary>Far above a drill's few seconds on a loaded machine, far below a CI job's limit.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <summary>The chart the drills deploy as release <c>app</c>: a Deployment <c>app-web</c> that can be held or kept unready.</summary>
    public static readonly string Chart = Path.Combine(RepositoryPaths.Root, "tests", "HelmUnstick.Conformance.Tests", "Charts", "liveness");

    private readonly CancellationTokenSource _deadline = new(Limit);
    private readonly List<ToolProcess> _runs = [];
    private readonly HashSet<int> _helmGroups = [];
    private readonly List<FaultRule> _holds = [];

    /// <summary><c>helm-unstick run RUNFLAGS -- HELM HELMARGS</c>, with the real helm of <paramref name="helm"/>.</summary>
    public async Task<ToolProcess> StartRunAsync(string[] runFlags, string helm, params string[] helmArgs)
    {
        var run = await cluster.StartHelmUnstickAsync(["run", .. runFlags, "--", RepositoryPaths.Tool(helm, "helm"), .. helmArgs]);
        _runs.Add(run);
        return run;
    }

    /// <summary>
    /// Installs <see cref="Chart"/> as release app in <paramref name="ns"/>, then starts
    /// <c>run RUNFLAGS -- helm upgrade app --set replicas=2</c> and waits until the sandbox holds helm's PATCH of the
    /// Deployment: the upgrade is pending until the hold is released.
    /// </summary>
    public async Task<(ToolProcess Run, FaultRule Hold)> StartHeldUpgradeAsync(string helm, string ns, string[] runFlags)
    {
        await cluster.HelmSucceedsAsync(helm, "install", "app", Chart, "-n", ns);
        var hold = Hold("PATCH", $"^/apis/apps/v1/namespaces/{ns}/deployments/app-web$");
        var run = await StartRunAsync(runFlags, helm, "upgrade", "app", Chart, "-n", ns, "--set", "replicas=2");
        await UntilHeldAsync(hold, run);
        return (run, hold);
    }

    /// <summary>
    /// Installs <see cref="Chart"/> as release app in <paramref name="ns"/>, then starts
    /// <c>run RUNFLAGS -- helm upgrade app --wait</c> on a Deployment the sandbox never makes ready and waits until
    /// helm waits on it.
    /// </summary>
    public async Task<ToolProcess> StartWaitingUpgradeAsync(string helm, string ns, string[] runFlags)
    {
        await cluster.HelmSucceedsAsync(helm, "install", "app", Chart, "-n", ns);
        var run = await StartRunAsync(runFlags, helm, "upgrade", "app", Chart, "-n", ns, "--set", "neverReady.deployment=true", "--wait", "--timeout", "10m");
        await UntilAsync(
            () => cluster.Server.Store.Get("apps/v1", "deployments", ns, "app-web")?["metadata"]?["annotations"]?["sandbox.helm-unstick/never-ready"] is not null,
            run,
            "helm to wait on the Deployment that never becomes ready");
        return run;
    }

    /// <summary>Holds the next request to <paramref name="method"/> <paramref name="pathPattern"/> until it is disposed (or the drill ends).</summary>
    public FaultRule Hold(string method, string pathPattern)
    {
        var hold = cluster.Server.Faults.Freeze(method, pathPattern, times: 1);
        _holds.Add(hold);
        return hold;
    }

    /// <summary>Waits until helm under <paramref name="run"/> has sent the request <paramref name="hold"/> holds.</summary>
    public async Task UntilHeldAsync(FaultRule hold, ToolProcess run)
    {
        await WithinLimitAsync(Task.WhenAny(hold.FirstMatch, run.Exited), run, "helm to send the request the sandbox holds");
        if (!hold.FirstMatch.IsCompleted)
        {
            Assert.Fail($"run ended before helm sent the request the sandbox holds:\n{await run.WaitAsync()}");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked every 20 ms); fails if <paramref name="process"/> ends first.</summary>
    public async Task UntilAsync(Func<bool> condition, ToolProcess process, string what)
    {
        while (!condition())
        {
            if (process.Exited.IsCompleted)
            {
                Assert.Fail($"the process ended before {what}:\n{await process.WaitAsync()}");
            }

            await WithinLimitAsync(Task.Delay(20, _deadline.Token), process, what);
        }
    }

    /// <summary>helm's pid: the child <paramref name="run"/> started, the leader of its own process group.</summary>
    public int HelmOf(ToolProcess run)
    {
        var helm = ChildrenOf(run.Id).FirstOrDefault();
        if (helm == 0)
        {
            Assert.Fail($"run (pid {run.Id}) has no child:\n{run.Err}");
        }

        _helmGroups.Add(helm);
        return helm;
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, TERM) to all of <paramref name="pids"/> in one kill(1): at the same moment.</summary>
    public static void Signal(string signal, params int[] pids)
    {
        using var kill = Process.Start("/bin/kill", ["-s", signal, .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        foreach (var run in _runs.Where(r => !r.Exited.IsCompleted))
        {
            _helmGroups.UnionWith(ChildrenOf(run.Id));
        }

        // A negative pid names a process group: helm and anything it started. Groups already gone are no error.
        foreach (var group in _helmGroups)
        {
            using var kill = Process.Start(new ProcessStartInfo("/bin/kill", ["-s", "KILL", "--", $"-{group.ToString(CultureInfo.InvariantCulture)}"]) { RedirectStandardError = true });
            kill!.WaitForExit();
        }

        foreach (var run in _runs)
        {
            run.Dispose();
        }

        foreach (var hold in _holds)
        {
            hold.Dispose();
        }

        _deadline.Dispose();
    }

    private async Task WithinLimitAsync(Task wait, ToolProcess process, string what)
    {
        try
        {
            await wait.WaitAsync(_deadline.Token);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            Assert.Fail($"the drill waited {Limit.TotalMinutes} minutes for {what}; stopped.\n--- stdout\n{process.Out}\n--- stderr\n{process.Err}");
        }
    }

    /// <summary>The processes whose parent is <paramref name="pid"/>, read from /proc.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var candidate))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended, or one of another user, since the directory was listed.
                continue;
            }

            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after its last closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
            {
                children.Add(candidate);
            }
        }

        return children;
    }
}
