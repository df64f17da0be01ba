using System.Net.Sockets;
using Spectre.Console;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary><c>helm-unstick serve</c> running in-process against a test sandbox until stopped, with its output readable while it runs.</summary>
internal sealed class ServeRun : IAsyncDisposable
{
    /// <summary>A policy that fixes every stuck release in the canary namespaces, without asking CI.</summary>
    public const string CanaryFixPolicy = """
        rules:
          - namespaces: ["*-cny"]
            action: fix
            skipCiCheck: true
            reason: "canary namespaces unstick themselves"
        """;

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new();
    private Task<int>? _running;

    private ServeRun(int port) => Port = port;

    public int Port { get; }

    /// <summary>Writes a policy file into the harness's directory and returns its path.</summary>
    public static string WritePolicy(CliHarness cli, string yaml)
    {
        var path = Path.Combine(cli.Root, "policy.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public string Out
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Err
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    /// <summary>The JSON decision lines printed so far.</summary>
    public IReadOnlyList<string> Decisions => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static ServeRun Start(CliHarness cli, TimeProvider clock, params string[] args) => StartOn(FreePort(), cli, clock, args);

    /// <summary>serve with its endpoints on <paramref name="port"/> (from <see cref="FreePort"/>).</summary>
    public static ServeRun StartOn(int port, CliHarness cli, TimeProvider clock, params string[] args)
    {
        var run = new ServeRun(port);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(new LockedWriter(run._out)),
        });
        console.Profile.Width = 4096;
        var env = cli.EnvironmentFor(console, new LockedWriter(run._err), clock);
        // Requests time out on the same (fake) clock: an hour keeps a test's Advance from timing out one in flight.
        string[] all = ["serve", "--metrics-address", $"127.0.0.1:{run.Port}", "--request-timeout", "1h", .. args];
        run._running = Task.Run(() => CliApp.InvokeAsync(all, env, run._stop.Token));
        return run;
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{Port}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The exported samples (no # HELP / # TYPE lines).</summary>
    public async Task<IReadOnlyList<string>> SamplesAsync() =>
        (await GetAsync("/metrics")).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();

    /// <summary>Polls until <paramref name="condition"/> holds; fails with what was seen after <see cref="WaitLimit"/>.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            if (_running!.IsCompleted)
            {
                Assert.Fail($"serve ended (exit {await _running}) while waiting for {what}\n--- stdout\n{Out}\n--- stderr\n{Err}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}\n--- stdout\n{Out}\n--- stderr\n{Err}");
            }

            await Task.Delay(20);
        }
    }

    public Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Whether serve has ended (by itself, or after <see cref="StopAsync"/>).</summary>
    public bool Ended => _running!.IsCompleted;

    /// <summary>Ctrl+C, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _running!.WaitAsync(WaitLimit);
    }

    public async ValueTask DisposeAsync()
    {
        if (_running is { IsCompleted: false })
        {
            await StopAsync();
        }

        _http.Dispose();
        _stop.Dispose();
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class LockedWriter(StringBuilder buffer) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (buffer)
            {
                buffer.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (buffer)
            {
                buffer.Append(value);
            }
        }
    }
}
