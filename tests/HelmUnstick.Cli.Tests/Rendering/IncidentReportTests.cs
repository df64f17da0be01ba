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

        IncidentReport.Write(path, "# note");

        Assert.Equal("# note", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
