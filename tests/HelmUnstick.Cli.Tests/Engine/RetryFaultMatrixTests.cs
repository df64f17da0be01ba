using System.Text.RegularExpressions;
using HelmUnstick.Core.Remediation;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>429, 5xx and timeouts: reads are retried within the budget on a fake clock; writes are never repeated.</summary>
public sealed class RetryFaultMatrixTests
{
    [Theory]
    [MemberData(nameof(ReadFaultRows), MemberType = typeof(FaultMatrix))]
    public async Task ReadFault_IsRetriedWithinTheBudget_AndTheFixIsVerified(StorageDriver driver, RemediationStrategy strategy, ReadFault fault)
    {
        await using var cli = await StartAsync(driver);
        var clock = UseRetryClock(cli);
        var original = cli.Secret(Ns, Name)!;
        using var rule = fault switch
        {
            ReadFault.TooManyRequests429WithRetryAfter => cli.Server.Faults.Respond("GET", HistoryPath, 429, times: 1, retryAfter: TimeSpan.FromSeconds(2)),
            ReadFault.ServerErrorBurst => cli.Server.Faults.Respond("GET", HistoryPath, 503, times: 3),
            _ => cli.Server.Faults.Freeze("GET", ObjectPath, times: 1),
        };

        var running = cli.RunAsync(Fix(strategy));
        if (fault == ReadFault.Timeout)
        {
            await rule.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
            clock.Advance(AttemptTimeout);
        }

        var run = await clock.SkipWaitsShorterThanAsync(AttemptTimeout, running);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(fault == ReadFault.ServerErrorBurst ? 3 : 1, rule.Matched);
        if (fault == ReadFault.TooManyRequests429WithRetryAfter)
        {
            Assert.Contains(TimeSpan.FromSeconds(2), clock.Waits);
        }

        AssertChanged(cli, strategy);
        AssertOneExactBackup(cli, original);
        AssertAudit(cli, "^changed$");
        Assert.Contains("  Verified: helm status shows revision", run.Out);
    }

    [Theory]
    [MemberData(nameof(WriteFaultRows), MemberType = typeof(FaultMatrix))]
    public async Task WriteFault_IsNeverRepeated_ReReadSaysUnchanged_Exit3_WithTheRestoreCommand(StorageDriver driver, RemediationStrategy strategy, WriteFault fault)
    {
        await using var cli = await StartAsync(driver);
        var clock = UseRetryClock(cli);
        var original = cli.Secret(Ns, Name)!;
        using var rule = fault switch
        {
            WriteFault.ServerError503 => cli.Server.Faults.Respond(WriteMethod(strategy), ObjectPath, 503, times: 5),
            WriteFault.TooManyRequests429 => cli.Server.Faults.Respond(WriteMethod(strategy), ObjectPath, 429, times: 5, retryAfter: TimeSpan.FromSeconds(1)),
            _ => cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath),
        };

        var running = cli.RunAsync(Fix(strategy));
        if (fault == WriteFault.Timeout)
        {
            await rule.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
            clock.Advance(AttemptTimeout);
        }

        var run = await clock.SkipWaitsShorterThanAsync(AttemptTimeout, running);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal(1, rule.Matched);
        Assert.Equal(original.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
        var backup = AssertOneExactBackup(cli, original);
        AssertAudit(cli, "^error: .+; the Secret is unchanged$");
        var answer = fault switch
        {
            WriteFault.ServerError503 => "answered 503 Service Unavailable",
            WriteFault.TooManyRequests429 => "answered 429 Too Many Requests",
            _ => "did not answer in time",
        };
        AssertErrorLine(run, $"the API server .+ {answer} while changing Secret team-a/{Name}.*; re-read: the Secret is unchanged. Backup: {Regex.Escape(backup)}; to undo: {Regex.Escape(RestoreHint(backup))}");
    }
}
