using HelmUnstick.Core.Remediation;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>helm-unstick killed (SIGKILL) after the write, before the verification: running fix again is safe and the backup restores exactly.</summary>
public sealed class KilledAfterTheWriteFaultMatrixTests
{
    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task KilledAfterTheWriteBeforeVerification_FixAgainReportsDone_AndRestoringTheBackupIsExact(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
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
