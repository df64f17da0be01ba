using HelmUnstick.Cli.Rendering;
using Spectre.Console;

namespace HelmUnstick.Cli.Tests.Terminal;

public sealed class ProgressReporterTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly TestConsole _stderr = new TestConsole().EmitAnsiSequences().Colors(ColorSystem.TrueColor).Interactive();

    [Fact]
    public async Task WorkDoneWithinASecond_ShowsNothing()
    {
        var reporter = new ProgressReporter(_stderr, _clock, TextWriter.Null);

        var result = await reporter.RunAsync("Reading the revisions of release gitlab-cny", progress =>
        {
            progress.Report("Reading the release's objects from the cluster: 3 of 28");
            return Task.FromResult(42);
        }, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Empty(_stderr.Output);
    }

    [Fact]
    public async Task WorkLongerThanASecond_ShowsTheLatestLineOnStderr()
    {
        var reporter = new ProgressReporter(_stderr, _clock, TextWriter.Null);
        var reads = new TaskCompletionSource<int>();
        IProgress<string>? reported = null;

        var running = reporter.RunAsync("Reading the revisions of release gitlab-cny", progress =>
        {
            reported = progress;
            return reads.Task;
        }, CancellationToken.None);
        reported!.Report("Reading the release's objects from the cluster: 3 of 28");
        _clock.Advance(ProgressReporter.ShowAfter);
        reads.SetResult(42);

        Assert.Equal(42, await running);
        Assert.Contains("Reading the release's objects from the cluster: 3 of 28", _stderr.Output);
        Assert.DoesNotContain("Reading the revisions", _stderr.Output);
    }

    [Fact]
    public async Task StderrNotATerminal_ShowsNothingHowever_LongTheWork()
    {
        var reporter = new ProgressReporter(console: null, _clock, TextWriter.Null);
        var reads = new TaskCompletionSource<int>();

        var running = reporter.RunAsync("Reading the revisions of release gitlab-cny", _ => reads.Task, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        reads.SetResult(42);

        Assert.Equal(42, await running);
        Assert.Empty(_stderr.Output);
    }
}
