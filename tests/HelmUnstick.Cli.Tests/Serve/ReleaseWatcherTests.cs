using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>The watcher against an API server that answers a watch with 410 Gone, as the apiserver does when a resourceVersion is too old.</summary>
public sealed class ReleaseWatcherTests : IDisposable
{
    private const string List = """
        {"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"7"},
         "items":[{"metadata":{"name":"sh.helm.release.v1.web.v2","namespace":"apps","labels":{"owner":"helm","name":"web","version":"2","status":"pending-upgrade"}}}]}
        """;

    private readonly WireMockServer _api = WireMockServer.Start();
    private readonly string _root = Directory.CreateTempSubdirectory("helm-unstick-watch-").FullName;

    [Fact]
    public async Task AWatchAnswered410Gone_ListsAgain_WithoutCountingAnError()
    {
        _api.Given(Request.Create().WithPath("/api/v1/secrets").WithParam("limit").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(List));
        _api.Given(Request.Create().WithPath("/api/v1/secrets").WithParam("watch", "true").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 7 (9)","reason":"Expired","code":410}}""" + "\n"));
        var kubeconfig = Path.Combine(_root, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{_api.Urls[0]}}}"}}]
            users: [{name: fake, user: {token: t}}]
            contexts: [{name: fake, context: {cluster: fake, user: fake}}]
            current-context: fake
            """);
        var error = new StringWriter();
        var env = new CliEnvironment(new TestConsole(), error, _ => null, TimeProvider.System, IsInteractive: false);
        using var session = ClusterSession.Connect(new KubeTarget(kubeconfig, null, null), env);
        var metrics = new ServeMetrics();
        var watcher = new ReleaseWatcher(session, new KubeReleaseStore(session, StorageDriver.Secret), null, env.Clock, metrics, error);
        using var stop = new CancellationTokenSource();

        var running = watcher.RunAsync(stop.Token);
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (ListCalls() < 2 && DateTime.UtcNow < limit)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await running;

        Assert.True(ListCalls() >= 2, $"listed {ListCalls()} time(s)");
        Assert.Equal("", error.ToString());
        Assert.True(watcher.FirstListCompleted.IsCompletedSuccessfully);
        var read = watcher.PayloadsToRead(new ReleaseKey("apps", "web"))!;
        Assert.Equal(["sh.helm.release.v1.web.v2"], read.ObjectNames);
        Assert.Equal(PayloadReadReason.PendingByLabels, read.Reason);
        var exported = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(exported);
        Assert.Contains("helm_unstick_watch_errors_total 0", System.Text.Encoding.UTF8.GetString(exported.ToArray()));
    }

    private int ListCalls() => _api.LogEntries.Count(e => e.RequestMessage.Query?.ContainsKey("limit") == true);

    public void Dispose()
    {
        _api.Stop();
        Directory.Delete(_root, recursive: true);
    }
}
