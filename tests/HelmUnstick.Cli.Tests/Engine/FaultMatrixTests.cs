using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// A fault at one step of <c>fix --apply</c> or <c>restore</c> (lost answers, failed reads, concurrent writers, an
/// unwritable backup, 429, 5xx and timeouts): what the operator is left with.
/// </summary>
public sealed class FaultMatrixTests : IAsyncLifetime
{
    // Every row starts from the stuck demo release in a fresh sandbox; the Secret as it was then is what backups must hold.
    private CliHarness _cli = null!;
    private JsonObject _original = null!;

    public async Task InitializeAsync()
    {
        _cli = await StartAsync();
        _original = _cli.Secret(Ns, Name)!;
    }

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    /// <summary>
    /// Runs fix; while <paramref name="held"/> holds its request, another writer changes the release Secret. fix must
    /// exit 1 and leave that writer's version in place.
    /// </summary>
    private async Task<CliRun> FixRefusedForAnotherWriterAsync(RemediationStrategy strategy, Sandbox.FaultRule held)
    {
        var running = _cli.RunAsync(Fix(strategy));
        await held.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        var theirs = TouchedByAnotherWriter(_cli);
        held.Release();
        var run = await running;

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(theirs.ToJsonString(), _cli.Secret(Ns, Name)!.ToJsonString());
        return run;
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task WriteAppliedButItsAnswerLost_Exit4_SaysTheReReadStateAndTheRestoreCommand_AndFixAgainReportsDone(RemediationStrategy strategy)
    {
        using var lost = _cli.Server.Faults.LoseResponse(WriteMethod(strategy), ObjectPath);

        var run = await _cli.RunAsync(Fix(strategy));

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Equal(1, lost.Matched);
        AssertChanged(_cli, strategy);
        var backup = AssertOneExactBackup(_cli, _original);
        var state = strategy == RemediationStrategy.Delete ? "the Secret is gone (the change happened)" : "the Secret was modified";
        AssertAudit(_cli, $"^error: .+; {Regex.Escape(state)}$");
        AssertErrorLine(run, $"cannot reach the API server .+ while changing Secret team-a/{Name}: .+; re-read: {Regex.Escape(state)}. Backup: {Regex.Escape(backup)}; to undo: {Regex.Escape(RestoreHint(backup))}");

        await AssertFixAgainSucceedsAsync(_cli, strategy, "Nothing to fix: helm status shows revision");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task VerificationReadFailsAfterTheWrite_RetriedThenExit4_WithTheRestoreCommand_AndFixAgainReportsDone(RemediationStrategy strategy)
    {
        var clock = UseRetryClock(_cli);
        var write = _cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        var running = _cli.RunAsync(Fix(strategy));
        await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        var unavailable = _cli.Server.Faults.Respond("GET", HistoryPath, 503, times: 10);
        write.Dispose();
        var run = await clock.SkipWaitsShorterThanAsync(AttemptTimeout, running);
        unavailable.Dispose();

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Equal(4, unavailable.Matched);
        AssertChanged(_cli, strategy);
        var backup = AssertOneExactBackup(_cli, _original);
        AssertAudit(_cli, "^changed$");
        AssertErrorLine(run,
            "the change was made but the history could not be re-read \\(the API server .+ answered 503 Service Unavailable while re-reading the revisions of release demo in namespace team-a: " +
            $"the server is currently unable to handle the request\\); check with: helm history demo -n team-a; to undo: {Regex.Escape(RestoreHint(backup))}");

        await AssertFixAgainSucceedsAsync(_cli, strategy, "Nothing to fix: helm status shows revision");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task ConcurrentWriterBetweenReReadAndWrite_ApiRefuses_Exit1AndNothingChanged(RemediationStrategy strategy)
    {
        using var write = _cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 1);

        var run = await FixRefusedForAnotherWriterAsync(strategy, write);

        AssertOneExactBackup(_cli, _original);
        AssertAudit(_cli, "^changed by someone else: .+$");
        AssertErrorLine(run, $"Secret team-a/{Name} was changed by someone else after it was re-read \\(the API server answered 409 Conflict: .+\\); " +
                             "the history now says \".+\", not the planned \".+\"; nothing was changed by this run. Check with: helm history demo -n team-a");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task ConcurrentWriterBetweenPlanAndReRead_Refused_Exit1_NoBackupNoAudit(RemediationStrategy strategy)
    {
        using var reread = _cli.Server.Faults.Freeze("GET", ObjectPath, times: 1);

        var run = await FixRefusedForAnotherWriterAsync(strategy, reread);

        Assert.Empty(Backups(_cli));
        Assert.Empty(AuditOutcomes(_cli));
        AssertErrorLine(run, $"Secret team-a/{Name} changed since it was inspected \\(someone else is working on this release\\?\\); nothing was changed, run fix again");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task BackupCannotBeWritten_Exit3_NothingChanged(RemediationStrategy strategy)
    {
        var notADirectory = Path.Combine(_cli.Root, "a-file");
        await File.WriteAllTextAsync(notADirectory, "");
        var backupDir = Path.Combine(notADirectory, "backups");

        var run = await _cli.RunAsync([.. Fix(strategy), "--backup-dir", backupDir]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal(_original.ToJsonString(), _cli.Secret(Ns, Name)!.ToJsonString());
        Assert.Empty(AuditOutcomes(_cli));
        AssertErrorLine(run, $"cannot write the backup to '{Regex.Escape(backupDir)}': .+; nothing was changed \\(choose another --backup-dir\\)");
    }

    [Theory]
    [MemberData(nameof(ReadFaultRows), MemberType = typeof(FaultMatrix))]
    public async Task ReadFault_IsRetriedWithinTheBudget_AndTheFixIsVerified(RemediationStrategy strategy, ReadFault fault)
    {
        var clock = UseRetryClock(_cli);
        using var rule = fault switch
        {
            ReadFault.TooManyRequests429WithRetryAfter => _cli.Server.Faults.Respond("GET", HistoryPath, 429, times: 1, retryAfter: TimeSpan.FromSeconds(2)),
            ReadFault.ServerErrorBurst => _cli.Server.Faults.Respond("GET", HistoryPath, 503, times: 3),
            _ => _cli.Server.Faults.Freeze("GET", ObjectPath, times: 1),
        };

        var run = await FixThroughAsync(_cli, clock, strategy, rule, heldUntilTheAttemptTimesOut: fault == ReadFault.Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(fault == ReadFault.ServerErrorBurst ? 3 : 1, rule.Matched);
        if (fault == ReadFault.TooManyRequests429WithRetryAfter)
        {
            Assert.Contains(TimeSpan.FromSeconds(2), clock.Waits);
        }

        AssertChanged(_cli, strategy);
        AssertOneExactBackup(_cli, _original);
        AssertAudit(_cli, "^changed$");
        Assert.Contains("  Verified: helm status shows revision", run.Out);
    }

    [Theory]
    [MemberData(nameof(WriteFaultRows), MemberType = typeof(FaultMatrix))]
    public async Task WriteFault_IsNeverRepeated_ReReadSaysUnchanged_Exit3_WithTheRestoreCommand(RemediationStrategy strategy, WriteFault fault)
    {
        var clock = UseRetryClock(_cli);
        using var rule = fault switch
        {
            WriteFault.ServerError503 => _cli.Server.Faults.Respond(WriteMethod(strategy), ObjectPath, 503, times: 5),
            WriteFault.TooManyRequests429 => _cli.Server.Faults.Respond(WriteMethod(strategy), ObjectPath, 429, times: 5, retryAfter: TimeSpan.FromSeconds(1)),
            _ => _cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath),
        };

        var run = await FixThroughAsync(_cli, clock, strategy, rule, heldUntilTheAttemptTimesOut: fault == WriteFault.Timeout);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal(1, rule.Matched);
        Assert.Equal(_original.ToJsonString(), _cli.Secret(Ns, Name)!.ToJsonString());
        var backup = AssertOneExactBackup(_cli, _original);
        AssertAudit(_cli, "^error: .+; the Secret is unchanged$");
        var answer = fault switch
        {
            WriteFault.ServerError503 => "answered 503 Service Unavailable",
            WriteFault.TooManyRequests429 => "answered 429 Too Many Requests",
            _ => "did not answer in time",
        };
        AssertErrorLine(run, $"the API server .+ {answer} while changing Secret team-a/{Name}.*; re-read: the Secret is unchanged. Backup: {Regex.Escape(backup)}; to undo: {Regex.Escape(RestoreHint(backup))}");
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreRunTwice_TheSecondChangesNothing(RemediationStrategy strategy)
    {
        var fix = await _cli.RunAsync(Fix(strategy));
        var backup = AssertOneExactBackup(_cli, _original);

        var first = await _cli.RunAsync("restore", backup, "--apply", "--yes");
        var restored = _cli.Secret(Ns, Name)!.ToJsonString();
        var second = await _cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(fix.ExitCode == 0 && first.ExitCode == 0, fix + "\n" + first);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal($"Secret team-a/{Name} already holds exactly the backed-up content; nothing to do.\n", second.Out);
        Assert.Equal(restored, _cli.Secret(Ns, Name)!.ToJsonString());
        AssertSameContent(_original, _cli.Secret(Ns, Name)!);
        Assert.Equal(["changed", "changed"], AuditOutcomes(_cli));
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreOntoASecretChangedSince_RefusesAnotherSecret_PutsBackTheSameOne(RemediationStrategy strategy)
    {
        await _cli.RunAsync(Fix(strategy));
        var backup = AssertOneExactBackup(_cli, _original);
        JsonObject now;
        if (strategy == RemediationStrategy.Delete)
        {
            // The next deploy wrote a new revision 4 under the same name: a different Secret.
            now = _original.DeepClone().AsObject();
            now["metadata"]!["uid"] = "a-new-revision-4";
            now["metadata"]!["labels"]!["status"] = "deployed";
            now["metadata"]!.AsObject().Remove("resourceVersion");
            _cli.Server.Store.Upsert("v1", "secrets", now);
        }
        else
        {
            TouchedByAnotherWriter(_cli);
        }

        now = _cli.Secret(Ns, Name)!;
        var run = await _cli.RunAsync("restore", backup, "--apply", "--yes");

        if (strategy == RemediationStrategy.Delete)
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Equal(now.ToJsonString(), _cli.Secret(Ns, Name)!.ToJsonString());
            AssertErrorLine(run, $"a different Secret \\(uid a-new-revision-4, not .+\\) now holds the name team-a/{Name}; refusing to overwrite it. Nothing was changed.");
        }
        else
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            AssertSameContent(_original, _cli.Secret(Ns, Name)!);
        }
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreOfABackupFromAnotherCluster_Exit1_NothingChanged(RemediationStrategy strategy)
    {
        await _cli.RunAsync(Fix(strategy));
        var backup = Assert.Single(Backups(_cli));
        await using var other = await StartAsync();
        var before = other.Server.Store.ResourceVersion;

        var run = await _cli.RunAsync("restore", backup, "--kubeconfig", other.Kubeconfig, "--apply", "--yes");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(before, other.Server.Store.ResourceVersion);
        AssertErrorLine(run, $"the backup was taken from {Regex.Escape(_cli.Server.BaseAddress.ToString().TrimEnd('/'))} \\(context sandbox\\), but context sandbox is .+; pass the right --context \\(or --force --reason TEXT\\). Nothing was changed.");
    }
}

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
