using System.Net;
using System.Text;
using HelmUnstick.Engine.Serve;

namespace HelmUnstick.Cli.Serve;

/// <summary>
/// <c>/metrics</c> (Prometheus text), <c>/healthz</c> and <c>/readyz</c> on one port, with the framework's
/// HttpListener: the shipped tool carries no web server of its own.
/// </summary>
internal sealed class ServeEndpoints : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ServeMetrics _metrics;
    private readonly Func<bool> _ready;

    private ServeEndpoints(ServeMetrics metrics, Func<bool> ready)
    {
        _metrics = metrics;
        _ready = ready;
    }

    /// <summary>Starts listening on HOST:PORT; 0.0.0.0 (or *) means every address.</summary>
    /// <exception cref="CliException">The address is taken or not allowed.</exception>
    public static ServeEndpoints Start(MetricsAddress address, ServeMetrics metrics, Func<bool> ready)
    {
        var endpoints = new ServeEndpoints(metrics, ready);
        // HttpListener matches the Host header too: on loopback, answer both spellings a local client may use.
        string[] hosts = address.Host switch
        {
            "0.0.0.0" or "*" or "::" or "[::]" => ["+"],
            "127.0.0.1" or "localhost" => ["127.0.0.1", "localhost"],
            var host => [host],
        };
        foreach (var host in hosts)
        {
            endpoints._listener.Prefixes.Add($"http://{host}:{address.Port}/");
        }

        try
        {
            endpoints._listener.Start();
        }
        catch (HttpListenerException e)
        {
            endpoints.Dispose();
            throw new CliException(ExitCodes.Usage, $"--metrics-address {address}: cannot listen there: {e.Message}");
        }

        return endpoints;
    }

    /// <summary>Answers requests until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await using var stop = ct.Register(() => _listener.Stop());
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException && ct.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context, ct), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken ct)
    {
        var response = context.Response;
        try
        {
            switch (context.Request.Url?.AbsolutePath)
            {
                case "/metrics":
                    response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    using (var body = new MemoryStream())
                    {
                        await _metrics.Registry.CollectAndExportAsTextAsync(body, ct);
                        body.Position = 0;
                        await body.CopyToAsync(response.OutputStream, ct);
                    }

                    break;
                case "/healthz":
                    await WriteTextAsync(response, 200, "ok\n", ct);
                    break;
                case "/readyz":
                    var ready = _ready();
                    await WriteTextAsync(response, ready ? 200 : 503, ready ? "ok\n" : "not ready: the first list of release Secrets (or ConfigMaps, with --driver configmap) has not completed\n", ct);
                    break;
                default:
                    await WriteTextAsync(response, 404, "not found: try /metrics, /healthz or /readyz\n", ct);
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The scraper went away or we are stopping: nothing to answer to.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closed by the client or by Stop.
            }
        }
    }

    private static async Task WriteTextAsync(HttpListenerResponse response, int status, string text, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(text);
        await response.OutputStream.WriteAsync(bytes, ct);
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();
}

/// <summary><c>--metrics-address HOST:PORT</c>.</summary>
internal sealed record MetricsAddress(string Host, int Port)
{
    public static bool TryParse(string text, out MetricsAddress? address)
    {
        address = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        address = new MetricsAddress(text[..colon], port);
        return true;
    }

    public override string ToString() => $"{Host}:{Port}";
}
