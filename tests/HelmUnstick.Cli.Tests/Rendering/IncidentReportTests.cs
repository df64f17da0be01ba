using HelmUnstick.Cli.Commands;
using HelmUnstick.Cli.Rendering;

namespace HelmUnstick.Cli.Tests.Rendering;

public sealed class IncidentReportTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void ToMarkdown_BlockedBeforeAnyChange_SaysNothingWasChangedAndEscapesTableCells()
    {
        var record = new IncidentRecord("fix", "gitlab-cny", "gitlab-cny", "gprd") { Outcome = "blocked by a check: nothing was changed" };
        record.Record(At, "Check \"CI\": failed - job gprd|upgrade is running");

        var markdown = IncidentReport.ToMarkdown(record, At);

        Assert.Equal(
            """
            # Incident note: Helm release gitlab-cny in namespace gitlab-cny

            - Context: gprd
            - Written: 2026-11-24 09:30:00Z by `helm-unstick fix`
            - Outcome: blocked by a check: nothing was changed

            ## Timeline

            | Time (UTC) | Step |
            | --- | --- |
            | 2026-11-24 09:30:00Z | Check "CI": failed - job gprd\|upgrade is running |

            ## Checks

            No checks were run: `helm-unstick fix` only reads.

            ## What was changed

            - Nothing was changed.

            ## What to do next


            """,
            markdown);
    }

    [Fact]
    public void Write_OverAnExistingWorldReadableFile_LeavesItOwnerOnly()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("report-").FullName, "note.md");
        File.WriteAllText(path, "old");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        ReportOptions.Write(path, "# note", replace: true);

        Assert.Equal("# note", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Write_OverAnExistingFileWithoutReplace_IsRefusedAndTheFileKept()
    {
        var folder = Directory.CreateTempSubdirectory("report-").FullName;
        var path = Path.Combine(folder, "note.md");
        File.WriteAllText(path, "old");

        var e = Assert.Throws<CliException>(() => ReportOptions.Write(path, "# note", replace: false));

        Assert.Equal((2, $"cannot write the report to {path}: The file '{path}' already exists."), (e.ExitCode, e.Message));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["note.md"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_ThroughASymlink_NeverWritesItsTarget(bool replace)
    {
        var folder = Directory.CreateTempSubdirectory("report-").FullName;
        var target = Path.Combine(folder, "victim");
        File.WriteAllText(target, "keep me");
        var link = Path.Combine(folder, "note.md");
        File.CreateSymbolicLink(link, target);

        var written = Record.Exception(() => ReportOptions.Write(link, "# note", replace));

        Assert.Equal("keep me", File.ReadAllText(target));
        Assert.Equal(replace, written is null);
        Assert.Equal(replace ? null : target, new FileInfo(link).LinkTarget);
        Assert.Equal(replace ? "# note" : "keep me", File.ReadAllText(link));
    }
}
