using System.Net.Sockets;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>serve's endpoints while it starts: a scraper or a kubelet probe may connect before serve is listening.</summary>
public sealed class ServeStartupTests
{
    private const int Starts = 50;

    [Fact]
    public async Task AServeWhoseMetricsAreProbedFromItsFirstMillisecond_StartsEveryTime()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        using var http = new HttpClient(NeverSelfConnecting()) { Timeout = TimeSpan.FromSeconds(30) };
        var failures = new List<string>();
        for (var i = 0; i < Starts; i++)
        {
            var port = ServeRun.FreePort();
            using var probing = new CancellationTokenSource();

            // Probing starts before serve does, and connects again the moment a connection is refused.
            var probe = ProbeUntilAnsweredAsync(http, port, probing.Token);
            await using var serve = ServeRun.StartOn(port, cli, new FakeTimeProvider(cli.Now), "-A");
            bool answered;
            try
            {
                await probe.WaitAsync(TimeSpan.FromSeconds(30));
                answered = !serve.Ended;
            }
            catch (TimeoutException)
            {
                answered = false;
            }

            await probing.CancelAsync();
            var code = await serve.StopAsync();
            if (!answered || code != 0 || serve.Err.Contains("error:", StringComparison.Ordinal))
            {
                failures.Add($"start {i + 1}: answered {answered}, exit {code}\n{serve.Err}");
            }
        }

        Assert.Empty(failures);
    }

    /// <summary>
    /// A client whose own port is never the one it connects to. Connecting again and again to a loopback port nobody
    /// listens on yet, a client can be given that very port as its own and connect to itself (TCP's simultaneous
    /// open), holding the port serve is about to listen on: serve then fails with "cannot listen there".
    /// </summary>
    private static SocketsHttpHandler NeverSelfConnecting() => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var target = context.DnsEndPoint.Port;
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            while (((IPEndPoint)socket.LocalEndPoint!).Port == target)
            {
                socket.Dispose();
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>GETs /metrics in a loop until it answers 200.</summary>
    private static async Task ProbeUntilAnsweredAsync(HttpClient http, int port, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics", ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: try again at once.
            }
        }
    }
}
