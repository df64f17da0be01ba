using System.Net;
using System.Text;
using HelmUnstick.Engine.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HelmUnstick.Cli.Serve;

/// <summary>
/// <c>/metrics</c> (Prometheus text), <c>/healthz</c> and <c>/readyz</c> on one port, served by Kestrel (the slim
/// builder, which compiles ahead of time). Kestrel accepts connections that arrive while it starts; HttpListener,
/// used before, could throw on one and end serve at start-up.
/// </summary>
internal sealed class ServeEndpoints : IAsyncDisposable
{
    private const string NotReady = "not ready: the first look at every release Secret (or ConfigMap, with --driver configmap) has not completed\n";

    private readonly WebApplication _app;

    private ServeEndpoints(WebApplication app) => _app = app;

    /// <summary>Listens on HOST:PORT (0.0.0.0, :: or * mean every address) and answers until disposed.</summary>
    /// <exception cref="CliException">The address is taken, not allowed or not known.</exception>
    public static async Task<ServeEndpoints> StartAsync(MetricsAddress address, ServeMetrics metrics, Func<bool> ready, CancellationToken ct)
    {
        // A fixed content root: nothing is read from the current directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();

        // The command already turns SIGTERM and SIGINT into its cancellation; the host must not register them again.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        var addresses = Addresses(address);
        builder.WebHost.UseKestrel(kestrel =>
        {
            foreach (var listen in addresses)
            {
                listen(kestrel);
            }
        });
        var app = builder.Build();
        app.Run(context => AnswerAsync(context, metrics, ready));
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new CliException(ExitCodes.Usage, $"--metrics-address {address}: cannot listen there: {e.Message}");
        }

        return new ServeEndpoints(app);
    }

    private static List<Action<KestrelServerOptions>> Addresses(MetricsAddress address)
    {
        switch (address.Host)
        {
            case "*" or "::" or "[::]":
                return [k => k.ListenAnyIP(address.Port)];
            case "0.0.0.0":
                return [k => k.Listen(IPAddress.Any, address.Port)];
            case "localhost":
                return [k => k.ListenLocalhost(address.Port)];
        }

        if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            return [k => k.Listen(ip, address.Port)];
        }

        try
        {
            return [.. Dns.GetHostAddresses(address.Host).Select(a => (Action<KestrelServerOptions>)(k => k.Listen(a, address.Port)))];
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CliException(ExitCodes.Usage, $"--metrics-address {address}: cannot resolve {address.Host}: {e.Message}");
        }
    }

    private static async Task AnswerAsync(HttpContext context, ServeMetrics metrics, Func<bool> ready)
    {
        var response = context.Response;
        var ct = context.RequestAborted;
        switch (context.Request.Path.Value)
        {
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                using (var body = new MemoryStream())
                {
                    // Collected whole first: a scrape sees one consistent set of series.
                    await metrics.Registry.CollectAndExportAsTextAsync(body, ct);
                    body.Position = 0;
                    await body.CopyToAsync(response.Body, ct);
                }

                break;
            case "/healthz":
                await WriteTextAsync(response, 200, "ok\n", ct);
                break;
            case "/readyz":
                var isReady = ready();
                await WriteTextAsync(response, isReady ? 200 : 503, isReady ? "ok\n" : NotReady, ct);
                break;
            default:
                await WriteTextAsync(response, 404, "not found: try /metrics, /healthz or /readyz\n", ct);
                break;
        }
    }

    private static Task WriteTextAsync(HttpResponse response, int status, string text, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();
    }

    /// <summary>Stops accepting, lets answers in progress finish (briefly), and frees the port.</summary>
    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(limit.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>A host lifetime that leaves signals to the command: it starts and stops when told.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
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
