using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HelmUnstick.Sandbox;

/// <summary>A Kubernetes API emulator listening on loopback over plain HTTP.</summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private const string UserItem = "HelmUnstick.Sandbox.User";

    public const string AnonymousToken = "sandbox-anonymous";

    private readonly WebApplication _app;

    private SandboxServer(WebApplication app, Uri baseAddress, ClusterStore store, FaultInjector faults, RequestLog requests)
    {
        _app = app;
        BaseAddress = baseAddress;
        Store = store;
        Faults = faults;
        Requests = requests;
    }

    /// <summary>Path of the request log as JSON (GET) and of clearing it (DELETE); these requests are not logged.</summary>
    public const string RequestLogPath = "/sandbox/requests";

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public ClusterStore Store { get; }

    public FaultInjector Faults { get; }

    /// <summary>Every request served (but those to <see cref="RequestLogPath"/>), for tests and benchmarks to count.</summary>
    public RequestLog Requests { get; }

    public static async Task<SandboxServer> StartAsync(SandboxOptions options, CancellationToken ct = default)
    {
        // A fixed content root keeps the host from depending on the caller's current directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));

        var store = new ClusterStore();
        options.Scenario?.SeedInto(store);
        var faults = new FaultInjector();
        var requests = new RequestLog();
        var app = builder.Build();
        var api = new KubeApiHandler(store, app.Lifetime.ApplicationStopping);
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Equals(RequestLogPath, StringComparison.Ordinal))
            {
                await next(context);
                return;
            }

            // The latency of a remote API server: every request waits this long before it is served (one round trip).
            await requests.RecordAsync(context, async () =>
            {
                if (options.Latency > TimeSpan.Zero)
                {
                    await Task.Delay(options.Latency, context.RequestAborted);
                }

                await next(context);
            });
        });
        app.Use(async (context, next) =>
        {
            if (!await faults.InterceptAsync(context, () => next(context)))
            {
                await next(context);
            }
        });
        app.Use(async (context, next) =>
        {
            if (options.Users is { } users)
            {
                var token = BearerToken(context.Request);
                var user = token is null ? options.Anonymous : users.GetValueOrDefault(token);
                if (user is null)
                {
                    var unauthorized = ApiErrors.Unauthorized();
                    await KubeJson.WriteAsync(context, unauthorized.Code, unauthorized.Status);
                    return;
                }

                context.Items[UserItem] = user;
            }

            await next(context);
        });
        app.UseRouting();
        app.MapGet(RequestLogPath, (HttpContext context) => KubeJson.WriteAsync(context, 200, requests.ToJson()));
        app.MapDelete(RequestLogPath, () => requests.Clear());
        options.ConfigureEndpoints?.Invoke(app);
        app.Map("/{**path}", api.HandleAsync);

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new SandboxServer(app, new Uri($"http://127.0.0.1:{port}/"), store, faults, requests);
    }

    /// <summary>
    /// A kubeconfig with one cluster, user and context pointing at this server. KubernetesClient refuses a user
    /// without credentials, so without <paramref name="token"/> the user carries the token
    /// <see cref="AnonymousToken"/>: ignored when the server has no users, answered 401 when it has.
    /// </summary>
    public string KubeconfigYaml(string contextName = "sandbox", string? defaultNamespace = null, string? token = null) =>
        Kubeconfig.Yaml([Context(contextName, defaultNamespace, token)], contextName);

    /// <summary>A kubeconfig context for this server, to combine with others in one kubeconfig.</summary>
    public KubeconfigContext Context(string contextName = "sandbox", string? defaultNamespace = null, string? token = null) =>
        new(contextName, BaseAddress.GetLeftPart(UriPartial.Authority), token ?? AnonymousToken, defaultNamespace);

    public void WriteKubeconfig(string path, string contextName = "sandbox", string? defaultNamespace = null, string? token = null) =>
        File.WriteAllText(path, KubeconfigYaml(contextName, defaultNamespace, token));

    public async ValueTask DisposeAsync()
    {
        Faults.Clear();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal static SandboxUser? UserOf(HttpContext context) => context.Items[UserItem] as SandboxUser;

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

}
