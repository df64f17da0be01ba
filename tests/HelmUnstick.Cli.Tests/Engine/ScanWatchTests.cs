using HelmUnstick.Engine;
using HelmUnstick.Engine.Scan;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// The watch of <c>scan --watch</c> without a cluster: scripted passes on a fake clock, and what each pass tells
/// (the changes since the pass before, and why a pass failed).
/// </summary>
public sealed class ScanWatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Watch_TellsEachReleaseThatBecomesStuckTurnsStaleOrIsUnstuck_AndGoesOnAfterAFailedPass()
    {
        var clock = new FakeTimeProvider(Start);
        var passes = new Queue<Func<ScanPassRead>>(
        [
            () => Found(Web(stale: false)),
            () => Found(Web(stale: true), Api(revision: 4)),
            () => throw new EngineException(UnstickFailure.ClusterError, "the API server https://k8s.example (context prod) did not answer in time while listing release Secrets"),
            () => Found(Api(revision: 4)) with { Failures = ["context dr: cannot reach the API server"] },
            () => Found(Api(revision: 5)),
        ]);
        var scans = 0;
        var watch = new ScanWatch(_ =>
        {
            scans++;
            return Task.FromResult(passes.Dequeue()());
        }, Interval, clock);

        var seen = await WatchUntilCancelledAsync(watch, clock, () => passes.Count);

        Assert.Equal(
        [
            "09:00:00 stuck team-a/web revision 7",
            "09:00:30 stale team-a/web revision 7",
            "09:00:30 stuck team-a/api revision 4",
            "09:01:00 failed: the API server https://k8s.example (context prod) did not answer in time while listing release Secrets",
            "09:01:30 failed: context dr: cannot reach the API server",
            "09:01:30 unstuck team-a/web revision 7",
            "09:02:00 stuck team-a/api revision 5",
        ], seen);
        Assert.Equal(5, scans);
    }

    [Fact]
    public async Task Watch_OverSeveralContexts_KeepsWhatItKnewOfAClusterThatFailedAPass_UntilItAnswersAgain()
    {
        var clock = new FakeTimeProvider(Start);
        var passes = new Queue<ScanPassRead>(
        [
            Found(Web(stale: false), Api(revision: 4) with { Context = "dr" }),
            Found(Web(stale: false)) with { Failures = ["context dr: cannot reach the API server"], UnreadContexts = ["dr"] },
            Found(Web(stale: false)),
        ]);
        var watch = new ScanWatch(_ => Task.FromResult(passes.Dequeue()), Interval, clock);

        var seen = await WatchUntilCancelledAsync(watch, clock, () => passes.Count);

        Assert.Equal(
        [
            "09:00:00 stuck team-a/web revision 7",
            "09:00:00 stuck team-a/api revision 4",
            "09:00:30 failed: context dr: cannot reach the API server",
            "09:01:00 unstuck team-a/api revision 4",
        ], seen);
    }

    /// <summary>
    /// Takes the first pass, then one more each time the clock moves by the interval (never before) while
    /// <paramref name="passesLeft"/> says passes are left; then cancels, which ends the watch. Returns what it told.
    /// </summary>
    private static async Task<List<string>> WatchUntilCancelledAsync(ScanWatch watch, FakeTimeProvider clock, Func<int> passesLeft)
    {
        using var stop = new CancellationTokenSource();
        var seen = new List<string>();
        await using var watching = watch.WatchAsync(stop.Token).GetAsyncEnumerator();
        Assert.True(await watching.MoveNextAsync());
        seen.AddRange(Lines(watching.Current, clock));
        while (passesLeft() > 0)
        {
            var next = watching.MoveNextAsync().AsTask();
            Assert.False(next.IsCompleted, "the next pass waits for the interval");
            clock.Advance(Interval);
            Assert.True(await next);
            seen.AddRange(Lines(watching.Current, clock));
        }

        var last = watching.MoveNextAsync().AsTask();
        await stop.CancelAsync();
        Assert.False(await last);
        return seen;
    }

    private static IEnumerable<string> Lines(ScanPass pass, TimeProvider clock) =>
        pass.Failures.Select(f => $"{clock.GetUtcNow():HH:mm:ss} failed: {f}")
            .Concat(pass.Changes.Select(c => $"{c.Time:HH:mm:ss} {c.Event.ToString().ToLowerInvariant()} {c.Release.Namespace}/{c.Release.Release} revision {c.Release.Revision}"));

    private static ScanPassRead Found(params StuckReleaseFinding[] findings) => new(new ScanResult([.. findings], [], [], findings.Length, findings.Length), [], []);

    private static StuckReleaseFinding Web(bool stale) => Finding("web", 7, stale);

    private static StuckReleaseFinding Api(int revision) => Finding("api", revision, stale: false);

    private static StuckReleaseFinding Finding(string release, int revision, bool stale) => new(
        "prod", "team-a", release, revision, "pending-upgrade", "chart-1.0.0", null, Start, 600, stale,
        $"sh.helm.release.v1.{release}.v{revision}", stale ? "stale" : "possibly-running", []);
}
