using System.Diagnostics;

namespace HelmUnstick.Sandbox.Tests;

public sealed class RequestLogTests
{
    [Fact]
    public async Task Requests_AreCountedByMethodAndPath_AndMetadataOnlyReadsAreMarked()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        sandbox.Seed("default", "s2");

        await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "default");
        await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "default");
        await sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s2", "default");
        using var metadataList = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/secrets?limit=500");
        metadataList.Headers.Accept.ParseAdd("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
        (await sandbox.Http.SendAsync(metadataList)).EnsureSuccessStatusCode();

        var log = sandbox.Server.Requests;
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["DELETE /api/v1/namespaces/default/secrets/s2"] = 1,
                ["GET /api/v1/namespaces/default/secrets"] = 1,
                ["GET /api/v1/namespaces/default/secrets/s1"] = 2,
            },
            log.ByMethodAndPath());
        Assert.Equal(3, log.Count("GET"));
        Assert.Equal(2, log.Count("GET", "/secrets/s1$"));
        Assert.Equal([false, false, false, true], log.Requests.Select(r => r.MetadataOnly));
        Assert.Equal("?limit=500", log.Requests[^1].Query);
    }

    [Fact]
    public async Task SequentialRoundTrips_CountsRequestsInFlightTogetherOnce()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        using var held = sandbox.Server.Faults.Freeze("GET", "/secrets/s1$", times: 1);

        // The first read is held while a second one is served: they overlap, one round trip between them.
        var first = sandbox.Http.GetAsync("api/v1/namespaces/default/secrets/s1");
        await held.FirstMatch;
        (await sandbox.Http.GetAsync("version")).EnsureSuccessStatusCode();
        var overlapping = sandbox.Server.Requests.SequentialRoundTrips();
        held.Release();
        (await first).EnsureSuccessStatusCode();

        // A read sent after both were answered waits for them: a second round trip.
        (await sandbox.Http.GetAsync("api/v1/namespaces/default/secrets/s1")).EnsureSuccessStatusCode();

        Assert.Equal(1, overlapping);
        Assert.Equal(2, sandbox.Server.Requests.SequentialRoundTrips());
    }

    [Fact]
    public async Task RequestLogEndpoint_AnswersTheCountsAsJson_AndDeleteClearsThem_WithoutLoggingItself()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        (await sandbox.Http.GetAsync("version")).EnsureSuccessStatusCode();
        (await sandbox.Http.GetAsync("api")).EnsureSuccessStatusCode();

        var counts = JsonNode.Parse(await sandbox.Http.GetStringAsync(SandboxServer.RequestLogPath.TrimStart('/')))!;
        var cleared = await sandbox.Http.DeleteAsync(SandboxServer.RequestLogPath.TrimStart('/'));

        Assert.Equal(
            """{"total":2,"sequentialRoundTrips":2,"byMethodAndPath":{"GET /api":1,"GET /version":1}}""",
            counts.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Empty(sandbox.Server.Requests.Requests);
    }

    [Fact]
    public async Task Latency_HoldsEveryRequestBeforeServingIt()
    {
        var latency = TimeSpan.FromMilliseconds(200);
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Latency = latency });
        sandbox.Seed("default", "s1");

        var started = Stopwatch.GetTimestamp();
        var secret = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "default");
        var took = Stopwatch.GetElapsedTime(started);

        // A lower bound only: a delay never ends early, however loaded the machine is.
        Assert.Equal("s1", secret.Metadata.Name);
        Assert.True(took >= latency, $"the read took {took.TotalMilliseconds} ms, less than the {latency.TotalMilliseconds} ms latency");
    }
}
