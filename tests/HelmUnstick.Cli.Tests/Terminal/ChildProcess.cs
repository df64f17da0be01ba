using System.Diagnostics;

namespace HelmUnstick.Cli.Tests.Terminal;

/// <summary>
/// A real process (a shell, or the built helm-unstick under <c>script</c> for a pseudo-terminal) whose output is
/// collected as it comes, so a test can wait for a prompt before answering it.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>Upper bound for one run; a process that hangs longer fails the test instead of hanging it.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiting = [];
    private readonly Task _reading;

    private ChildProcess(Process process)
    {
        _process = process;
        _reading = Task.WhenAll(ReadAsync(process.StandardOutput, _output), ReadAsync(process.StandardError, _error));
    }

    /// <summary>
    /// Where the build of src/HelmUnstick.Cli put helm-unstick (same configuration as the tests). Not the copy beside the
    /// test assembly: that directory's dependencies are resolved for the tests, which bring ASP.NET Core with them.
    /// </summary>
    public static string HelmUnstickDirectory { get; } = Path.Combine(
        Fixtures.Root, "src", "HelmUnstick.Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, new DirectoryInfo(AppContext.BaseDirectory).Name);

    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PATH"] = $"{HelmUnstickDirectory}{Path.PathSeparator}/usr/local/bin:/usr/bin:/bin";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new ChildProcess(Process.Start(info)!);
    }

    /// <summary>Completes when <paramref name="text"/> has appeared on standard output.</summary>
    public Task SeenAsync(string text)
    {
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((text, seen));
            return seen.Task.WaitAsync(Limit);
        }
    }

    public async Task TypeAsync(string keys)
    {
        await _process.StandardInput.WriteAsync(keys);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<(int ExitCode, string Output, string Error)> WaitAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync().WaitAsync(Limit);
        await _reading;
        lock (_output)
        {
            return (_process.ExitCode, _output.ToString(), _error.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task ReadAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                into.Append(buffer, 0, read);
                var text = _output.ToString();
                foreach (var waiting in _waiting.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
                {
                    _waiting.Remove(waiting);
                    waiting.Seen.SetResult();
                }
            }
        }
    }
}
