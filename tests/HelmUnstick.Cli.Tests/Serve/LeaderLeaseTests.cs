using System.Globalization;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>serve's leader election on the command's clock (a fake one here), against the sandbox's Lease API.</summary>
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    // Each test has an empty sandbox, and a session to it on a fake clock that only the test moves.
    private readonly FakeTimeProvider _clock = new(Start);
    private CliHarness _cli = null!;
    private ClusterSession _session = null!;

    public async Task InitializeAsync()
    {
        _cli = await CliHarness.StartAsync(new SandboxOptions());
        _session = _cli.Connect(_clock);
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _cli.DisposeAsync();
    }

    [Fact]
    public async Task TheHolder_RenewsEachTimeItsClockPassesTheRetryPeriod_WithThatClocksTime_AndClearsTheHolderOnRelease()
    {
        var lease = Lease("replica-1");
        using var stop = new CancellationTokenSource();
        var running = lease.RunAsync(stop.Token);

        await UntilAsync(() => lease.IsLeader);
        var renewTimes = new List<DateTimeOffset?> { RenewTime() };
        for (var renewal = 1; renewal <= 2; renewal++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            var expected = renewal;
            await UntilAsync(() => _cli.Server.Requests.Count("PUT", "/leases/helm-unstick$") == expected);
            renewTimes.Add(RenewTime());
        }

        await stop.CancelAsync();
        await running;
        await lease.ReleaseAsync(CancellationToken.None);

        Assert.Equal([Start, Start.AddSeconds(2), Start.AddSeconds(4)], renewTimes);
        Assert.Equal("", (string?)Spec()["holderIdentity"]);
    }

    [Fact]
    public async Task AnotherReplica_TakesTheLeaseOnlyOnceItExpiredOnItsClock()
    {
        var first = Lease("replica-1");
        using (var stopFirst = new CancellationTokenSource())
        {
            var running = first.RunAsync(stopFirst.Token);
            await UntilAsync(() => first.IsLeader);
            await stopFirst.CancelAsync();
            await running;
        }

        // The first replica stopped renewing (without releasing) at Start; its Lease lasts 15 s from there.
        var second = Lease("replica-2");
        using var stop = new CancellationTokenSource();
        var runningSecond = second.RunAsync(stop.Token);
        var leaderAt = new List<(int Seconds, bool Leader)>();
        await UntilAsync(() => _cli.Server.Requests.Count("GET", "/leases/helm-unstick$") == 2);
        for (var seconds = 2; seconds <= 16; seconds += 2)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            var gets = 2 + (seconds / 2);
            await UntilAsync(() => _cli.Server.Requests.Count("GET", "/leases/helm-unstick$") == gets && (seconds < 16 || second.IsLeader));
            leaderAt.Add((seconds, second.IsLeader));
        }

        await stop.CancelAsync();
        await runningSecond;

        Assert.Equal([(2, false), (4, false), (6, false), (8, false), (10, false), (12, false), (14, false), (16, true)], leaderAt);
        Assert.Equal(("replica-2", 1), ((string?)Spec()["holderIdentity"], (int?)Spec()["leaseTransitions"]));
    }

    private LeaderLease Lease(string identity) =>
        new(_session, "default", "helm-unstick", identity, new ServeMetrics(), TextWriter.Null, _clock);

    private JsonNode Spec() => _cli.Lease("default", "helm-unstick")!["spec"]!;

    private DateTimeOffset? RenewTime() =>
        DateTimeOffset.TryParse((string?)Spec()["renewTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>Waits (without moving the clock) for what a clock step started.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "did not happen");
    }
}
