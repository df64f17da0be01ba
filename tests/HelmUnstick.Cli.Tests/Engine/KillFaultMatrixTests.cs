using HelmUnstick.Core.Remediation;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// helm-unstick killed (SIGKILL) after the backup or after the write: running fix again is safe and the backup restores
/// exactly. A class of its own because a killed process takes longer than the other rows: they run in parallel.
/// </summary>
public sealed class KillFaultMatrixTests
{
    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task KilledAfterTheBackupBeforeTheWrite_FixAgainIsVerified_AndRestoringThatBackupIsExact(RemediationStrategy strategy)
    {
        await using var cli = await StartAsync();
        var original = cli.Secret(Ns, Name)!;
        using var write = cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        using (var child = StartChild(cli, Fix(strategy)))
        {
            await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(60));
            await KillAsync(child);
        }

        Assert.Equal(original.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
        var backup = AssertOneExactBackup(cli, original);
        Assert.Empty(AuditOutcomes(cli));
        await AssertFixAgainVerifiesAndRestoreIsExactAsync(cli, strategy, original, backup, fixAgainSays: "Verified: helm status shows revision");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task KilledAfterTheWriteBeforeVerification_FixAgainReportsDone_AndRestoringTheBackupIsExact(RemediationStrategy strategy)
    {
        await using var cli = await StartAsync();
        var original = cli.Secret(Ns, Name)!;
        var write = cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        using (var child = StartChild(cli, Fix(strategy)))
        {
            await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(60));
            using var verify = cli.Server.Faults.Freeze("GET", HistoryPath, times: 1);
            write.Dispose();
            await verify.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
            await KillAsync(child);
        }

        AssertChanged(cli, strategy);
        var backup = AssertOneExactBackup(cli, original);
        AssertAudit(cli, "^changed$");
        await AssertFixAgainVerifiesAndRestoreIsExactAsync(cli, strategy, original, backup, fixAgainSays: "Nothing to fix: helm status shows revision");
    }
}
