using System.Text.RegularExpressions;
using HelmUnstick.Core.Remediation;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>A fault at one step of <c>fix --apply</c>: what the operator is left with.</summary>
public sealed class FixFaultMatrixTests
{
    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task WriteAppliedButItsAnswerLost_Exit4_SaysTheReReadStateAndTheRestoreCommand_AndFixAgainReportsDone(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var original = cli.Secret(Ns, Name)!;
        using var lost = cli.Server.Faults.LoseResponse(WriteMethod(strategy), ObjectPath);

        var run = await cli.RunAsync(Fix(strategy));

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Equal(1, lost.Matched);
        AssertChanged(cli, strategy);
        var backup = AssertOneExactBackup(cli, original);
        var state = strategy == RemediationStrategy.Delete ? "the Secret is gone (the change happened)" : "the Secret was modified";
        AssertAudit(cli, $"^error: .+; {Regex.Escape(state)}$");
        AssertErrorLine(run, $"cannot reach the API server .+ while changing Secret team-a/{Name}: .+; re-read: {Regex.Escape(state)}. Backup: {Regex.Escape(backup)}; to undo: {Regex.Escape(RestoreHint(backup))}");

        var again = await cli.RunAsync(Fix(strategy));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Nothing to fix: helm status shows revision", again.Out);
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task VerificationReadFailsAfterTheWrite_RetriedThenExit4_WithTheRestoreCommand_AndFixAgainReportsDone(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var clock = UseRetryClock(cli);
        var original = cli.Secret(Ns, Name)!;
        var write = cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        var running = cli.RunAsync(Fix(strategy));
        await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        var unavailable = cli.Server.Faults.Respond("GET", HistoryPath, 503, times: 10);
        write.Dispose();
        var run = await clock.SkipWaitsShorterThanAsync(AttemptTimeout, running);
        unavailable.Dispose();

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Equal(4, unavailable.Matched);
        AssertChanged(cli, strategy);
        var backup = AssertOneExactBackup(cli, original);
        AssertAudit(cli, "^changed$");
        AssertErrorLine(run,
            "the change was made but the history could not be re-read \\(the API server .+ answered 503 Service Unavailable while re-reading the revisions of release demo in namespace team-a: " +
            $"the server is currently unable to handle the request\\); check with: helm history demo -n team-a; to undo: {Regex.Escape(RestoreHint(backup))}");

        var again = await cli.RunAsync(Fix(strategy));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Nothing to fix: helm status shows revision", again.Out);
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task ConcurrentWriterBetweenReReadAndWrite_ApiRefuses_Exit1AndNothingChanged(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var original = cli.Secret(Ns, Name)!;
        using var write = cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        var running = cli.RunAsync(Fix(strategy));
        await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        var theirs = TouchedByAnotherWriter(cli);
        write.Release();
        var run = await running;

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(theirs.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
        AssertOneExactBackup(cli, original);
        AssertAudit(cli, "^refused: changed concurrently$");
        AssertErrorLine(run, $"the API server refused the change because Secret team-a/{Name} changed under us \\(.+\\); nothing was changed, run fix again");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task ConcurrentWriterBetweenPlanAndReRead_Refused_Exit1_NoBackupNoAudit(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        using var reread = cli.Server.Faults.Freeze("GET", ObjectPath, times: 1);

        var running = cli.RunAsync(Fix(strategy));
        await reread.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        var theirs = TouchedByAnotherWriter(cli);
        reread.Release();
        var run = await running;

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(theirs.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
        Assert.Empty(Backups(cli));
        Assert.Empty(AuditOutcomes(cli));
        AssertErrorLine(run, $"Secret team-a/{Name} changed since it was inspected \\(someone else is working on this release\\?\\); nothing was changed, run fix again");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task BackupCannotBeWritten_Exit3_NothingChanged(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var original = cli.Secret(Ns, Name)!;
        var notADirectory = Path.Combine(cli.Root, "a-file");
        await File.WriteAllTextAsync(notADirectory, "");
        var backupDir = Path.Combine(notADirectory, "backups");

        var run = await cli.RunAsync([.. Fix(strategy), "--backup-dir", backupDir]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal(original.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
        Assert.Empty(AuditOutcomes(cli));
        AssertErrorLine(run, $"cannot write the backup to '{Regex.Escape(backupDir)}': .+; nothing was changed \\(choose another --backup-dir\\)");
    }
}
