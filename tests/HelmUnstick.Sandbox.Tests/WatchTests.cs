namespace HelmUnstick.Sandbox.Tests;

public sealed class WatchTests : IAsyncLifetime
{
    // Every test watches the Secrets of an empty sandbox of its own.
    private RunningSandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await RunningSandbox.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Watch_ReportsCurrentObjectsThenEveryChange()
    {
        _sandbox.Seed("default", "existing");
        using var stop = new CancellationTokenSource();
        await using var events = _sandbox.Client.CoreV1.WatchListNamespacedSecretAsync("default", cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);

        var initial = await Next(events);
        await _sandbox.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "new" } }, "default");
        var added = await Next(events);
        await _sandbox.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "new", "default");
        var modified = await Next(events);
        await _sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("new", "default");
        var deleted = await Next(events);
        await stop.CancelAsync();

        Assert.Equal(
            [(WatchEventType.Added, "existing"), (WatchEventType.Added, "new"), (WatchEventType.Modified, "new"), (WatchEventType.Deleted, "new")],
            [initial, added, modified, deleted]);
    }

    [Fact]
    public async Task Watch_WithLabelSelector_ReportsObjectLeavingTheSelectionAsDeleted()
    {
        _sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "pending-upgrade" });
        using var stop = new CancellationTokenSource();
        await using var events = _sandbox.Client.CoreV1
            .WatchListNamespacedSecretAsync("default", labelSelector: "status=pending-upgrade", cancellationToken: stop.Token)
            .GetAsyncEnumerator(stop.Token);

        var initial = await Next(events);
        _sandbox.Seed("default", "unrelated");
        _sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "failed" });
        var left = await Next(events);
        await stop.CancelAsync();

        Assert.Equal([(WatchEventType.Added, "s1"), (WatchEventType.Deleted, "s1")], [initial, left]);
    }

    [Fact]
    public async Task Watch_FromResourceVersion_ReplaysLaterChangesOnly()
    {
        _sandbox.Seed("default", "before");
        var version = _sandbox.Server.Store.ResourceVersion.ToString();
        _sandbox.Seed("default", "after");
        using var stop = new CancellationTokenSource();
        await using var events = _sandbox.Client.CoreV1
            .WatchListNamespacedSecretAsync("default", resourceVersion: version, cancellationToken: stop.Token)
            .GetAsyncEnumerator(stop.Token);

        var first = await Next(events);
        await stop.CancelAsync();

        Assert.Equal((WatchEventType.Added, "after"), first);
    }

    [Fact]
    public async Task Watch_WithSendInitialEvents_EndsInitialObjectsWithBookmark()
    {
        _sandbox.Seed("default", "a");
        _sandbox.Seed("default", "b");
        var path = "api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";

        using var response = await _sandbox.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonNode>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(JsonNode.Parse((await lines.ReadLineAsync())!)!);
        }

        Assert.Equal(["ADDED", "ADDED", "BOOKMARK"], events.Select(e => e["type"]!.GetValue<string>()));
        Assert.Equal(["a", "b"], events.Take(2).Select(e => e["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("Secret", events[0]["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("true", events[2]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
        Assert.Equal(_sandbox.Server.Store.ResourceVersion.ToString(), events[2]["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_SendInitialEventsWithoutBookmarks_Returns422()
    {
        using var response = await _sandbox.Http.GetAsync("api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan");

        Assert.Equal((System.Net.HttpStatusCode)422, response.StatusCode);
        Assert.Contains("sendInitialEvents requires setting allowWatchBookmarks to true", await response.Content.ReadAsStringAsync());
    }

    private static async Task<(WatchEventType, string)> Next(IAsyncEnumerator<(WatchEventType Type, V1Secret Object)> events)
    {
        // A missing event fails the test instead of hanging the run.
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        return (events.Current.Type, events.Current.Object.Metadata.Name);
    }
}
