namespace HelmUnstick.Sandbox.Tests;

public sealed class FaultTests
{
    /// <summary>A sandbox holding one Secret, default/s1, for the faults to fall on.</summary>
    private static async Task<RunningSandbox> StartWithSecretAsync()
    {
        var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        return sandbox;
    }

    [Fact]
    public async Task Respond_FailsTheNextMatchingRequestsThenServesNormally()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.Respond("GET", "/secrets/s1$", 503, times: 1, retryAfter: TimeSpan.FromSeconds(2));

        var failed = await sandbox.Http.GetAsync("api/v1/namespaces/default/secrets/s1");
        var served = await sandbox.Http.GetAsync("api/v1/namespaces/default/secrets/s1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), failed.Headers.RetryAfter?.Delta);
        Assert.Contains("\"reason\":\"ServiceUnavailable\"", await failed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, rule.Matched);
    }

    [Fact]
    public async Task Respond_SurfacesThroughKubernetesClientAsHttpOperationException()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.Respond("DELETE", "/secrets/", 500);

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default"));

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Equal("InternalError", status.Reason);
        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Respond_OnlyMatchesTheGivenMethod()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.Respond("DELETE", "/secrets/", 503);

        var read = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "default");

        Assert.Equal("s1", read.Metadata.Name);
        Assert.Equal(0, rule.Matched);
    }

    [Fact]
    public async Task Freeze_HoldsRequestUntilReleased()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.Freeze("DELETE", "/secrets/s1$");

        var deletion = sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default");
        await rule.FirstMatch;
        var stillThere = sandbox.Server.Store.Get("v1", "secrets", "default", "s1");
        rule.Release();
        await deletion;

        Assert.NotNull(stillThere);
        Assert.Null(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Freeze_ClientGivingUp_LeavesStoreUnchanged()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.Freeze("DELETE", "/secrets/s1$");
        using var giveUp = new CancellationTokenSource();

        var deletion = sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default", cancellationToken: giveUp.Token);
        await rule.FirstMatch;
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deletion);
        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Drop_AbortsTheConnection()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        using var rule = sandbox.Server.Faults.Drop("*", "^/version$");

        await Assert.ThrowsAsync<HttpRequestException>(() => sandbox.Http.GetAsync("version"));
        var afterwards = await sandbox.Http.GetAsync("version");

        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task LoseResponse_AppliesTheWriteButTheClientGetsNoAnswer()
    {
        await using var sandbox = await StartWithSecretAsync();
        using var rule = sandbox.Server.Faults.LoseResponse("DELETE", "/secrets/s1$");

        await Assert.ThrowsAsync<HttpRequestException>(() => sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default"));

        Assert.Null(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
        Assert.Equal(1, rule.Matched);
    }

    [Fact]
    public async Task Delay_ServesRequestNormallyAfterwards()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        using var rule = sandbox.Server.Faults.Delay("GET", "^/version$", TimeSpan.FromMilliseconds(50));

        var response = await sandbox.Http.GetAsync("version");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, rule.Matched);
    }

    [Fact]
    public async Task Dispose_RemovesRule()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var rule = sandbox.Server.Faults.Respond("*", ".", 503, times: 10);
        rule.Dispose();

        var response = await sandbox.Http.GetAsync("version");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
