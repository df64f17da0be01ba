using HelmUnstick.Engine.Http;
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
        using var rig = new Rig(Policy, Answer(HttpStatusCode.TooManyRequests, retryAfter: 2), Answer(HttpStatusCode.OK));

        var sending = rig.Client.GetAsync("api/v1/namespaces/team-a/secrets");
        await rig.Clock.WaitStartedAsync(TimeSpan.FromSeconds(2));
        rig.Clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        var earlyCalls = rig.Server.Calls;
        rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((1, HttpStatusCode.OK, 2), (earlyCalls, response.StatusCode, rig.Server.Calls));
    }

    [Fact]
    public async Task Read_429WithALongRetryAfter_WaitsNoLongerThanTheMaximumDelay()
    {
        using var rig = new Rig(Policy, Answer(HttpStatusCode.TooManyRequests, retryAfter: 600), Answer(HttpStatusCode.OK));

        var sending = rig.Client.GetAsync("api/v1/namespaces/team-a/secrets");
        await rig.Clock.WaitStartedAsync(Policy.MaxDelay);
        rig.Clock.Advance(Policy.MaxDelay);
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((HttpStatusCode.OK, 2), (response.StatusCode, rig.Server.Calls));
        Assert.DoesNotContain(TimeSpan.FromSeconds(600), rig.Clock.Waits);
    }

    [Fact]
    public async Task Read_5xxBurst_IsRetriedWithJitteredBackoffWithinTheMaximumUntilItSucceeds()
    {
        using var rig = new Rig(Policy, Answer(HttpStatusCode.ServiceUnavailable), Answer(HttpStatusCode.InternalServerError), Answer(HttpStatusCode.BadGateway), Answer(HttpStatusCode.OK));

        using var response = await rig.Clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, rig.Client.GetAsync("api/v1/secrets"));

        Assert.Equal((HttpStatusCode.OK, 4), (response.StatusCode, rig.Server.Calls));
        var backoff = rig.Clock.Waits.Where(w => w < Policy.AttemptTimeout).ToList();
        Assert.Equal(3, backoff.Count);
        Assert.All(backoff, w => Assert.InRange(w, TimeSpan.Zero, Policy.MaxDelay));
        // Decorrelated jitter grows the delay only on average: one draw may be shorter than an earlier one.
        Assert.Equal(3, backoff.Distinct().Count());
    }

    [Fact]
    public async Task Read_5xxThatNeverEnds_GivesUpAfterTheLastRetryWithTheServersAnswer()
    {
        using var rig = new Rig(Policy, Enumerable.Repeat(Answer(HttpStatusCode.ServiceUnavailable), 10).ToArray());

        using var response = await rig.Clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, rig.Client.GetAsync("api/v1/secrets"));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, 4), (response.StatusCode, rig.Server.Calls));
    }

    [Fact]
    public async Task Read_AttemptTimesOut_IsRetriedWithinTheBudget()
    {
        using var rig = new Rig(Policy, Hang, Answer(HttpStatusCode.OK));

        var sending = rig.Client.GetAsync("api/v1/secrets");
        await rig.Server.Called(1);
        rig.Clock.Advance(Policy.AttemptTimeout);
        using var response = await rig.Clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, sending);

        Assert.Equal((HttpStatusCode.OK, 2), (response.StatusCode, rig.Server.Calls));
    }

    [Fact]
    public async Task Read_StalledServer_StopsAtTheTotalBudgetThoughRetriesRemain()
    {
        using var rig = new Rig(Policy with { TotalBudget = TimeSpan.FromSeconds(45) }, Enumerable.Repeat<Func<CancellationToken, Task<HttpResponseMessage>>>(Hang, 10).ToArray());

        var sending = rig.Client.GetAsync("api/v1/secrets");
        await rig.Server.Called(1);
        rig.Clock.Advance(Policy.AttemptTimeout);
        await rig.Clock.SkipWaitsShorterThanAsync(Policy.AttemptTimeout, rig.Server.Called(2));
        rig.Clock.Advance(Start + TimeSpan.FromSeconds(45) - rig.Clock.GetUtcNow());

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, rig.Server.Calls);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_AnsweredWith5xxOr429_IsNeverRepeated(string method)
    {
        using var rig = new Rig(Policy, Answer(HttpStatusCode.TooManyRequests, retryAfter: 1), Answer(HttpStatusCode.OK));

        using var response = await rig.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/v1/namespaces/team-a/secrets/s1")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((HttpStatusCode.TooManyRequests, 1), (response.StatusCode, rig.Server.Calls));
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_ThatTimesOut_IsNeverRepeated(string method)
    {
        using var rig = new Rig(Policy, Hang, Answer(HttpStatusCode.OK));

        var sending = rig.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/v1/namespaces/team-a/secrets/s1"));
        await rig.Server.Called(1);
        rig.Clock.Advance(Policy.AttemptTimeout);

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, rig.Server.Calls);
    }

    [Fact]
    public async Task Read_ConnectionRefused_IsNotRetried()
    {
        using var rig = new Rig(Policy, _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"), Answer(HttpStatusCode.OK));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => rig.Client.GetAsync("api/v1/secrets").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal((HttpRequestError.ConnectionError, 1), (error.HttpRequestError, rig.Server.Calls));
    }

    /// <summary>A client with the pipeline over a scripted server, on a fake clock.</summary>
    private sealed class Rig : IDisposable
    {
        public Rig(RetryPolicy policy, params Func<CancellationToken, Task<HttpResponseMessage>>[] answers)
        {
            Server = new ScriptedServer(answers);
            var handler = ResilientHttp.Handler(policy, Clock);
            handler.InnerHandler = Server;
            Client = new HttpClient(handler) { BaseAddress = new Uri("https://api.example:6443/"), Timeout = Timeout.InfiniteTimeSpan };
        }

        public RetryClock Clock { get; } = new(Start);

        public ScriptedServer Server { get; }

        public HttpClient Client { get; }

        public void Dispose() => Client.Dispose();
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
