using HelmUnstick.Cli.Commands;

namespace HelmUnstick.Cli.Tests.Commands;

public sealed class ContextProgressLinesTests
{
    [Fact]
    public void EachContextsNewestLine_IsShownUnderTheOthers_InTheOrderTheContextsWereGiven()
    {
        var shown = new List<string>();
        var lines = new ContextProgressLines(["gprd", "gstg", "ops"], new Recorder(shown));

        lines.For("gstg")!.Report("Listing release Secrets: 500 so far");
        lines.For("gprd")!.Report("Reading release payloads: 1 of 3");
        lines.Report("ops", "failed");

        Assert.Equal("gprd: Reading release payloads: 1 of 3\ngstg: Listing release Secrets: 500 so far\nops: failed", shown[^1]);
        Assert.Equal(3, shown.Count);
    }

    [Fact]
    public void WithoutATerminal_NothingIsReported()
    {
        var lines = new ContextProgressLines(["gprd"], progress: null);

        Assert.Null(lines.For("gprd"));
        lines.Report("gprd", "failed");
    }

    private sealed class Recorder(List<string> shown) : IProgress<string>
    {
        public void Report(string value) => shown.Add(value);
    }
}
