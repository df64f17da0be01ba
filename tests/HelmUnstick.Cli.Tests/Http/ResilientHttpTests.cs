using System.Net;
using HelmUnstick.Cli.Http;
using Polly.Timeout;

namespace HelmUnstick.Cli.Tests.Http;

/// <summary>The one pipeline every API client uses, on a fake clock: no test here waits in real time.</summary>
public sealed class ResilientHttpTests
{
    private static readonly RetryPolicy Policy = new(
        MaxRetries: 3, BaseDelay: TimeSpan.FromMilliseconds(250), MaxDelay: TimeSpan.FromSeconds(10),
        AttemptTimeout: TimeSpan.FromSeconds(30), TotalBudget: TimeSpan.FromSeconds(70));

    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Writes => new() { "DELETE", "PUT", "POST", "PATCH" };

    [Fact]
    public async Task Read_429WithRetryAfter_WaitsExactlyThatLongThenRetries()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Answer(HttpStatusCode.TooManyRequests, retryAfter: 2), Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        var sending = client.GetAsync("api/v1/namespaces/team-a/secrets");
        await clock.WaitStartedAsync(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        var earlyCalls = server.Calls;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((1, HttpStatusCode.OK, 2), (earlyCalls, response.StatusCode, server.Calls));
    }

    [Fact]
    public async Task Read_429WithALongRetryAfter_WaitsNoLongerThanTheMaximumDelay()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Answer(HttpStatusCode.TooManyRequests, retryAfter: 600), Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        var sending = client.GetAsync("api/v1/namespaces/team-a/secrets");
        await clock.WaitStartedAsync(Policy.MaxDelay);
        clock.Advance(Policy.MaxDelay);
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((HttpStatusCode.OK, 2), (response.StatusCode, server.Calls));
        Assert.DoesNotContain(TimeSpan.FromSeconds(600), clock.Waits);
    }

    [Fact]
    public async Task Read_5xxBurst_IsRetriedWithGrowingJitteredBackoffUntilItSucceeds()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Answer(HttpStatusCode.ServiceUnavailable), Answer(HttpStatusCode.InternalServerError), Answer(HttpStatusCode.BadGateway), Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        using var response = await clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, client.GetAsync("api/v1/secrets"));

        Assert.Equal((HttpStatusCode.OK, 4), (response.StatusCode, server.Calls));
        var backoff = clock.Waits.Where(w => w < Policy.AttemptTimeout).ToList();
        Assert.Equal(3, backoff.Count);
        Assert.All(backoff, w => Assert.InRange(w, TimeSpan.Zero, Policy.MaxDelay));
        Assert.True(backoff[2] > backoff[0], $"backoff does not grow: {string.Join(", ", backoff)}");
    }

    [Fact]
    public async Task Read_5xxThatNeverEnds_GivesUpAfterTheLastRetryWithTheServersAnswer()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Enumerable.Repeat(Answer(HttpStatusCode.ServiceUnavailable), 10).ToArray());
        using var client = Client(server, clock);

        using var response = await clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, client.GetAsync("api/v1/secrets"));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, 4), (response.StatusCode, server.Calls));
    }

    [Fact]
    public async Task Read_AttemptTimesOut_IsRetriedWithinTheBudget()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Hang, Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        var sending = client.GetAsync("api/v1/secrets");
        await server.Called(1);
        clock.Advance(Policy.AttemptTimeout);
        using var response = await clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, sending);

        Assert.Equal((HttpStatusCode.OK, 2), (response.StatusCode, server.Calls));
    }

    [Fact]
    public async Task Read_StalledServer_StopsAtTheTotalBudgetThoughRetriesRemain()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Enumerable.Repeat<Func<CancellationToken, Task<HttpResponseMessage>>>(Hang, 10).ToArray());
        using var client = Client(server, clock, Policy with { TotalBudget = TimeSpan.FromSeconds(45) });

        var sending = client.GetAsync("api/v1/secrets");
        await server.Called(1);
        clock.Advance(Policy.AttemptTimeout);
        await clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, server.Called(2));
        clock.Advance(Start + TimeSpan.FromSeconds(45) - clock.GetUtcNow());

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, server.Calls);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_AnsweredWith5xxOr429_IsNeverRepeated(string method)
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Answer(HttpStatusCode.TooManyRequests, retryAfter: 1), Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/v1/namespaces/team-a/secrets/s1")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((HttpStatusCode.TooManyRequests, 1), (response.StatusCode, server.Calls));
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_ThatTimesOut_IsNeverRepeated(string method)
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(Hang, Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        var sending = client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/v1/namespaces/team-a/secrets/s1"));
        await server.Called(1);
        clock.Advance(Policy.AttemptTimeout);

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task Read_ConnectionRefused_IsNotRetried()
    {
        var clock = new RetryClock(Start);
        var server = new ScriptedServer(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"), Answer(HttpStatusCode.OK));
        using var client = Client(server, clock);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/secrets").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal((HttpRequestError.ConnectionError, 1), (error.HttpRequestError, server.Calls));
    }

    private static HttpClient Client(ScriptedServer server, TimeProvider clock, RetryPolicy? policy = null)
    {
        var handler = ResilientHttp.Handler(policy ?? Policy, clock);
        handler.InnerHandler = server;
        return new HttpClient(handler) { BaseAddress = new Uri("https://api.example:6443/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    private static Func<CancellationToken, Task<HttpResponseMessage>> Answer(HttpStatusCode code, int? retryAfter = null) => _ =>
    {
        var response = new HttpResponseMessage(code);
        if (retryAfter is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return Task.FromResult(response);
    };

    private static async Task<HttpResponseMessage> Hang(CancellationToken ct)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Answers each request with the next scripted answer and counts the requests.</summary>
    private sealed class ScriptedServer(params Func<CancellationToken, Task<HttpResponseMessage>>[] answers) : HttpMessageHandler
    {
        private readonly TaskCompletionSource[] _called = answers.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task Called(int n) => _called[n - 1].Task.WaitAsync(TimeSpan.FromSeconds(30));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var n = Interlocked.Increment(ref _calls);
            _called[n - 1].TrySetResult();
            return answers[n - 1](ct);
        }
    }
}
