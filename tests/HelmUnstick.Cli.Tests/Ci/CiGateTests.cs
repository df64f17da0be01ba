namespace HelmUnstick.Cli.Tests.Ci;

public sealed class CiGateTests
{
    private static readonly CiActivity DeployJob =
        new(CiActivityKind.Job, 101, "ops/k8s", "gprd:upgrade", "running", "gprd", "master", "https://ops.example.com/-/jobs/101", true, "deploys to mapped environment gprd");

    private static CiSourceReport Quiet(string name) => CiSourceReport.FromActivities(name, ["ops/k8s"], []);

    private static CiSourceReport Busy(string name) => CiSourceReport.FromActivities(name, ["ops/k8s"], [DeployJob]);

    /// <summary>Answers the scripted reports in turn, repeating the last.</summary>
    private sealed class ScriptedSource(string name, params CiSourceReport[] script) : ICiActivitySource
    {
        public int Calls { get; private set; }

        public string Name => name;

        public Task<CiSourceReport> CheckAsync(CancellationToken ct) => Task.FromResult(script[Math.Min(Calls++, script.Length - 1)]);
    }

    /// <summary>A clock that only moves when the gate waits.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 24, 16, 0, 0, TimeSpan.Zero);

        public List<TimeSpan> Waits { get; } = [];

        public override DateTimeOffset GetUtcNow() => _now;

        public Task Delay(TimeSpan span, CancellationToken _)
        {
            Waits.Add(span);
            _now += span;
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingProgress : IProgress<CiWaitProgress>
    {
        public List<CiWaitProgress> Reports { get; } = [];

        public void Report(CiWaitProgress value) => Reports.Add(value);
    }

    [Fact]
    public async Task Check_NoSourceMapped_BlocksAsUnavailable()
    {
        using var gate = new CiGate([]);

        var result = await gate.CheckAsync(CancellationToken.None);

        Assert.True(result.Blocks);
        var report = Assert.Single(result.Reports);
        Assert.Equal(CiVerdict.Unavailable, report.Verdict);
        Assert.Equal(CiGate.NoSourceProblem, report.Error);
    }

    [Theory]
    [InlineData(CiVerdict.Quiet, CiVerdict.Quiet, false)]
    [InlineData(CiVerdict.Quiet, CiVerdict.Busy, true)]
    [InlineData(CiVerdict.Unavailable, CiVerdict.Quiet, true)]
    public async Task Check_AnySourceNotQuiet_Blocks(CiVerdict first, CiVerdict second, bool blocks)
    {
        CiSourceReport Report(string name, CiVerdict verdict) => verdict switch
        {
            CiVerdict.Busy => Busy(name),
            CiVerdict.Unavailable => CiSourceReport.Unavailable(name, [], "cannot reach ops.example.com"),
            _ => Quiet(name),
        };
        using var gate = new CiGate([new ScriptedSource("a", Report("a", first)), new ScriptedSource("b", Report("b", second))]);

        var result = await gate.CheckAsync(CancellationToken.None);

        Assert.Equal(blocks, result.Blocks);
        Assert.Equal(["a", "b"], result.Reports.Select(r => r.SourceName));
    }

    [Fact]
    public async Task Wait_UntilCiTurnsQuiet_ReportsProgressAndReturnsQuiet()
    {
        var clock = new ManualClock();
        var source = new ScriptedSource("GitLab", Busy("GitLab"), Busy("GitLab"), Quiet("GitLab"));
        using var gate = new CiGate([source], clock, clock.Delay);
        var progress = new RecordingProgress();

        var result = await gate.WaitForQuietAsync(TimeSpan.FromMinutes(15), progress, CancellationToken.None, TimeSpan.FromSeconds(30));

        Assert.False(result.Blocks);
        Assert.Equal(3, source.Calls);
        Assert.Equal([1, 2], progress.Reports.Select(p => p.Poll));
        Assert.Equal([TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(870)], progress.Reports.Select(p => p.Remaining));
        Assert.All(progress.Reports, p => Assert.True(p.Latest.Blocks));
    }

    [Fact]
    public async Task Wait_TimeRunsOut_ReturnsTheLastBlockingResult()
    {
        var clock = new ManualClock();
        var source = new ScriptedSource("GitLab", Busy("GitLab"));
        using var gate = new CiGate([source], clock, clock.Delay);

        var result = await gate.WaitForQuietAsync(TimeSpan.FromSeconds(70), null, CancellationToken.None, TimeSpan.FromSeconds(30));

        Assert.True(result.Blocks);
        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)], clock.Waits);
        Assert.Equal(4, source.Calls);
    }

    [Fact]
    public async Task Wait_ZeroDuration_ChecksOnce()
    {
        var clock = new ManualClock();
        var source = new ScriptedSource("GitLab", Busy("GitLab"), Quiet("GitLab"));
        using var gate = new CiGate([source], clock, clock.Delay);

        var result = await gate.WaitForQuietAsync(TimeSpan.Zero, null, CancellationToken.None);

        Assert.True(result.Blocks);
        Assert.Equal(1, source.Calls);
    }
}
