using System.Globalization;

namespace HelmUnstick.Cli.Tests.Serve;

/// <summary>serve's leader election on the command's clock (a fake one here), against the sandbox's Lease API.</summary>
public sealed class LeaderLeaseTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheHolder_RenewsEachTimeItsClockPassesTheRetryPeriod_WithThatClocksTime_AndClearsTheHolderOnRelease()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = cli.Connect(clock);
        var lease = Lease(session, "replica-1", clock);
        using var stop = new CancellationTokenSource();
        var running = lease.RunAsync(stop.Token);

        await UntilAsync(() => lease.IsLeader);
        var renewTimes = new List<DateTimeOffset?> { RenewTime(cli) };
        for (var renewal = 1; renewal <= 2; renewal++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            var expected = renewal;
            await UntilAsync(() => cli.Server.Requests.Count("PUT", "/leases/helm-unstick$") == expected);
            renewTimes.Add(RenewTime(cli));
        }

        await stop.CancelAsync();
        await running;
        await lease.ReleaseAsync(CancellationToken.None);

        Assert.Equal([Start, Start.AddSeconds(2), Start.AddSeconds(4)], renewTimes);
        Assert.Equal("", (string?)Spec(cli)["holderIdentity"]);
    }

    [Fact]
    public async Task AnotherReplica_TakesTheLeaseOnlyOnceItExpiredOnItsClock()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = cli.Connect(clock);
        var first = Lease(session, "replica-1", clock);
        using (var stopFirst = new CancellationTokenSource())
        {
            var running = first.RunAsync(stopFirst.Token);
            await UntilAsync(() => first.IsLeader);
            await stopFirst.CancelAsync();
            await running;
        }

        // The first replica stopped renewing (without releasing) at Start; its Lease lasts 15 s from there.
        var second = Lease(session, "replica-2", clock);
        using var stop = new CancellationTokenSource();
        var runningSecond = second.RunAsync(stop.Token);
        var leaderAt = new List<(int Seconds, bool Leader)>();
        await UntilAsync(() => cli.Server.Requests.Count("GET", "/leases/helm-unstick$") == 2);
        for (var seconds = 2; seconds <= 16; seconds += 2)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            var gets = 2 + (seconds / 2);
            await UntilAsync(() => cli.Server.Requests.Count("GET", "/leases/helm-unstick$") == gets && (seconds < 16 || second.IsLeader));
            leaderAt.Add((seconds, second.IsLeader));
        }

        await stop.CancelAsync();
        await runningSecond;

        Assert.Equal([(2, false), (4, false), (6, false), (8, false), (10, false), (12, false), (14, false), (16, true)], leaderAt);
        Assert.Equal(("replica-2", 1), ((string?)Spec(cli)["holderIdentity"], (int?)Spec(cli)["leaseTransitions"]));
    }

    private static LeaderLease Lease(ClusterSession session, string identity, TimeProvider clock) =>
        new(session, "default", "helm-unstick", identity, new ServeMetrics(), TextWriter.Null, clock);

    private static JsonNode Spec(CliHarness cli) => cli.Lease("default", "helm-unstick")!["spec"]!;

    private static DateTimeOffset? RenewTime(CliHarness cli) =>
        DateTimeOffset.TryParse((string?)Spec(cli)["renewTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

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
