namespace HelmUnstick.Conformance.Tests;

/// <summary>A real helm or kubectl binary run as a child process, with the environment of one test cluster.</summary>
internal sealed class ToolProcess : IDisposable
{
    /// <summary>Upper bound for one command; a command that hangs longer fails the test instead of hanging it.</summary>
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _commandLine;
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ToolProcess(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    /// <summary>
    /// Starts <paramref name="binary"/> (helm or kubectl) of <paramref name="helmVersion"/> (helm3, helm4). A
    /// missing binary fails the test: the conformance suite never passes without the real tools.
    /// </summary>
    public static ToolProcess Start(string helmVersion, string binary, IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var path = RepositoryPaths.Tool(helmVersion, binary);
        if (!File.Exists(path))
        {
            var where = Environment.GetEnvironmentVariable("CI") == "true" ? "in CI" : "locally";
            Assert.Fail($"{path} is missing {where}: run scripts/install-tools.sh (test.sh runs it) to install helm and kubectl.");
        }

        return StartAt(path, $"{helmVersion}/{binary}", environment, args);
    }

    /// <summary>Starts the executable at <paramref name="path"/> with only <paramref name="environment"/> (and a minimal PATH).</summary>
    public static ToolProcess StartAt(string path, string name, IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only what the tools need: nothing of the developer's own kubeconfig, helm repositories or proxies leaks in.
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/bin:/bin";
        foreach (var (variable, value) in environment)
        {
            info.Environment[variable] = value;
        }

        var process = new Process { StartInfo = info };
        var tool = new ToolProcess(process, $"{name} {string.Join(' ', info.ArgumentList)}");
        process.OutputDataReceived += (_, e) =>
        {
            tool.Append(tool._stdout, e.Data);
            if (e.Data is not null)
            {
                tool._firstLine.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => tool.Append(tool._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>The process id, e.g. to find the children it started.</summary>
    public int Id => _process.Id;

    /// <summary>What the process has written to stderr so far contains <paramref name="text"/>.</summary>
    public bool ErrContains(string text) => Text(_stderr).Contains(text, StringComparison.Ordinal);

    /// <summary>Completes when the process has ended, whatever ended it.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>Waits for the command to end by itself.</summary>
    public Task<ToolRun> WaitAsync() => EndedWithinAsync(CommandLimit, $"did not finish within {CommandLimit.TotalMinutes} minutes");

    /// <summary>Waits for the command to end by itself and fails the test unless it exits 0.</summary>
    public async Task<ToolRun> SucceedsAsync()
    {
        var run = await WaitAsync();
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>What the process has printed so far.</summary>
    public string Out => Text(_stdout);

    public string Err => Text(_stderr);

    /// <summary>The first line the process writes to stdout: a server's banner, a watch's first report.</summary>
    public async Task<string> FirstLineAsync()
    {
        var first = await Task.WhenAny(_firstLine.Task, _process.WaitForExitAsync().WaitAsync(CommandLimit));
        Assert.True(first == _firstLine.Task, $"{_commandLine} ended without a line on stdout:\n{Output()}");
        return await _firstLine.Task;
    }

    /// <summary>
    /// SIGTERM, as kill, a service manager or a pod's shutdown sends it, then waits at most <paramref name="limit"/>
    /// for the process to end; a process that does not is killed and the test fails.
    /// </summary>
    public async Task<ToolRun> TerminateAsync(TimeSpan limit)
    {
        using (var kill = Process.Start("/bin/kill", ["-s", "TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await EndedWithinAsync(limit, $"was still running {limit.TotalSeconds} s after SIGTERM");
    }

    /// <summary>
    /// SIGKILL, as an OOM kill or a lost CI runner ends helm: it gets no chance to clean up. The wait for its end is
    /// bounded too: a process it started that lives on holds its output open, and its end is not seen before that closes.
    /// </summary>
    public Task KillAsync()
    {
        _process.Kill();
        return EndedWithinAsync(CommandLimit, $"was killed, but something it started still holds its output open after {CommandLimit.TotalMinutes} minutes");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    /// <summary>Waits at most <paramref name="limit"/> for the process to end; one that does not is killed and the test fails.</summary>
    private async Task<ToolRun> EndedWithinAsync(TimeSpan limit, string overdue)
    {
        await _process.EndsWithinAsync(limit, () => $"{_commandLine} {overdue}:\n{Output()}");

        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync();
        return new ToolRun(_commandLine, _process.ExitCode, Text(_stdout), Text(_stderr));
    }

    private string Output() => $"--- stdout\n{Text(_stdout)}\n--- stderr\n{Text(_stderr)}";

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Text(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }
}

/// <summary>How a finished helm or kubectl command ended.</summary>
internal sealed record ToolRun(string CommandLine, int ExitCode, string Out, string Err)
{
    public override string ToString() => $"$ {CommandLine}\nexit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}
