// The in-memory store fails with the test support's API errors, not the sandbox's.
using ApiErrors = HelmUnstick.TestSupport.ApiErrors;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// The fault matrix against the engine alone, in memory, for both storage drivers: a fault at one step of the apply
/// (injected by <see cref="FailingReleaseStore"/>) and what it leaves: the outcome and its exit code, the release
/// object, the backup, the audit log and the problem reported. No cluster, no process, no wait: milliseconds a row.
/// </summary>
public sealed class InMemoryFaultMatrixTests : IDisposable
{
    private const string Ns = FaultMatrix.Ns;
    private const string Name = FaultMatrix.Name;
    private const string Reason = "INC-7 matrix";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = StuckReleaseRule.DefaultStaleAfter;
    private static readonly TimeSpan HelmTimeout = TimeSpan.FromMinutes(5);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helm-unstick-matrix-");

    /// <summary>What is left of the release object after the attempt.</summary>
    private enum Left
    {
        AsItWas,
        Deleted,
        MarkedFailed,
        AsAnotherWriterLeftIt,
        SomethingElse,
    }

    [Theory]
    [MemberData(nameof(FaultMatrix.EngineFaultRows), MemberType = typeof(FaultMatrix))]
    public async Task Fault_LeavesTheObjectBackupAndAuditAsTheOutcomeSays(StorageDriver driver, RemediationStrategy strategy, EngineFault fault)
    {
        var memory = InMemoryReleaseStore.FromStoreFile(Fixtures.StuckUpgradeStore, driver);
        var store = new FailingReleaseStore(memory);
        using var session = InMemoryCluster.Session(Ns);
        var engine = new UnstickEngine(session, store, new FakeTimeProvider(Now));
        var plan = await PlanAsync(memory, strategy);
        var original = (await memory.ReadHistoryAsync("demo", Ns, CancellationToken.None)).Revisions.Single(r => r.ObjectName == Name);
        var originalJson = memory.Json(Ns, Name);
        var backups = Path.Combine(_root.FullName, "backups");
        string? theirs = null;
        void AnotherWriter()
        {
            memory.Touch(Ns, Name, "touched", "by-someone-else");
            theirs = memory.Json(Ns, Name);
        }

        var wrote = false;
        switch (fault)
        {
            case EngineFault.ReReadFails:
                store.Before = FailOn(call => call == StoreCall.Get, Unavailable);
                break;
            case EngineFault.WriterBetweenPlanAndReRead:
                AnotherWriter();
                break;
            case EngineFault.BackupUnwritable:
                await File.WriteAllTextAsync(Path.Combine(_root.FullName, "a-file"), "");
                backups = Path.Combine(_root.FullName, "a-file", "backups");
                break;
            case EngineFault.WriterBetweenReReadAndWrite:
                store.Before = call => { if (IsWrite(call)) { AnotherWriter(); } };
                break;
            case EngineFault.WriteFails503:
                store.Before = FailOn(IsWrite, Unavailable);
                break;
            case EngineFault.WriteTimesOut:
                store.Before = FailOn(IsWrite, ApiErrors.Timeout);
                break;
            case EngineFault.WriteAnswerLost:
                store.After = FailOn(IsWrite, ApiErrors.ConnectionReset);
                break;
            case EngineFault.VerificationReadFails:
                store.After = call => wrote |= IsWrite(call);
                store.Before = FailOn(call => wrote && call == StoreCall.ReadHistory, Unavailable);
                break;
        }

        var audit = new AuditLog(Path.Combine(_root.FullName, "audit.log"));
        var result = await engine.ApplyAsync(Request(strategy, backups), plan, audit, CancellationToken.None);

        var expected = Expected(driver, strategy, fault);
        var left = await LeftAsync(memory, originalJson, theirs);
        var auditOutcomes = File.Exists(audit.Path) ? File.ReadAllLines(audit.Path).Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!["outcome"]!.GetValue<string>()).ToList() : [];
        Assert.Equal(
            (expected.Outcome, expected.FailedStep, expected.ExitCode, expected.Left, expected.Backups, expected.Audit is null ? 0 : 1),
            (result.Outcome, result.FailedStep, ExitCodes.For(result.Outcome), left, Backups(backups).Count, auditOutcomes.Count));
        // A write is attempted once, after its backup, and never repeated blindly.
        Assert.Equal(expected.Backups, store.Calls.Count(IsWrite));
        if (expected.Audit is { } auditPattern)
        {
            Assert.Matches(auditPattern, auditOutcomes.Single());
        }

        Assert.True(expected.Problem is null ? result.Problem is null : Regex.IsMatch(result.Problem ?? "", expected.Problem), $"problem: {result.Problem}");
        if (expected.Backups == 1)
        {
            // The backup holds the object exactly as it was, as the object of its driver, and would restore.
            var backup = BackupFiles.Read(Backups(backups).Single());
            Assert.Equal((driver, original.Uid, original.ResourceVersion, Labels(original.Labels)), (backup.Driver, backup.Uid, backup.ResourceVersion, Labels(backup.Labels)));
        }
    }

    public void Dispose() => _root.Delete(recursive: true);

    private static string Labels(IReadOnlyDictionary<string, string> labels) => string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static bool IsWrite(StoreCall call) => call is StoreCall.Delete or StoreCall.Replace;

    private static Exception Unavailable() => ApiErrors.Status(HttpStatusCode.ServiceUnavailable, "the server is currently unable to handle the request");

    private static Action<StoreCall> FailOn(Func<StoreCall, bool> when, Func<Exception> error) => call =>
    {
        if (when(call))
        {
            throw error();
        }
    };

    private sealed record Row(UnstickOutcome Outcome, UnstickStep? FailedStep, int ExitCode, Left Left, int Backups, string? Audit, string? Problem);

    private static Row Expected(StorageDriver driver, RemediationStrategy strategy, EngineFault fault)
    {
        var changed = strategy == RemediationStrategy.Delete ? Left.Deleted : Left.MarkedFailed;
        var where = $"{driver.Kind()} {Ns}/{Regex.Escape(Name)}";
        var api = $"the API server {Regex.Escape(InMemoryCluster.Server)} \\(context {InMemoryCluster.Context}\\)";
        var unavailable = "answered 503 Service Unavailable while";
        return fault switch
        {
            EngineFault.None => new(UnstickOutcome.Fixed, null, 0, changed, 1, "^changed$", null),
            EngineFault.ReReadFails => new(UnstickOutcome.ApiError, UnstickStep.Reread, 3, Left.AsItWas, 0, null, $"^{api} {unavailable} re-reading {where}: the server is currently unable to handle the request$"),
            EngineFault.WriterBetweenPlanAndReRead => new(UnstickOutcome.RefusedConcurrentChange, UnstickStep.Reread, 1, Left.AsAnotherWriterLeftIt, 0, null,
                $"^{where} changed since it was inspected \\(someone else is working on this release\\?\\)$"),
            EngineFault.BackupUnwritable => new(UnstickOutcome.ApiError, UnstickStep.Backup, 3, Left.AsItWas, 0, null, "^cannot write the backup to '.+/a-file/backups': .+$"),
            EngineFault.WriterBetweenReReadAndWrite => new(UnstickOutcome.ChangedBySomeoneElse, UnstickStep.Write, 1, Left.AsAnotherWriterLeftIt, 1, "^changed by someone else: .+$",
                $"^{where} was changed by someone else after it was re-read \\(the API server answered 409 Conflict: .+\\); the history now says \".+\", not the planned \".+\"$"),
            EngineFault.WriteFails503 => new(UnstickOutcome.ApiError, UnstickStep.Write, 3, Left.AsItWas, 1, "^error: .+; the Secret is unchanged$",
                $"^{api} {unavailable} changing {where}: the server is currently unable to handle the request$"),
            EngineFault.WriteTimesOut => new(UnstickOutcome.ApiError, UnstickStep.Write, 3, Left.AsItWas, 1, "^error: .+; the Secret is unchanged$",
                $"^{api} did not answer in time while changing {where}$"),
            EngineFault.WriteAnswerLost => new(UnstickOutcome.ChangedUnverified, UnstickStep.Write, 4, changed, 1,
                $"^error: .+; {Regex.Escape(strategy == RemediationStrategy.Delete ? "the Secret is gone (the change happened)" : "the Secret was modified")}$",
                $"^cannot reach {api} while changing {where}: Connection reset by peer$"),
            EngineFault.VerificationReadFails => new(UnstickOutcome.ChangedUnverified, UnstickStep.Verification, 4, changed, 1, "^changed$",
                $"^the history could not be re-read \\({api} {unavailable} re-reading the revisions of release demo in namespace {Ns}: the server is currently unable to handle the request\\)$"),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
    }

    /// <summary>The plan fix makes for the stuck upgrade nine hours on: every check passes (CI skipped with a reason).</summary>
    private static async Task<RemediationPlan> PlanAsync(InMemoryReleaseStore memory, RemediationStrategy strategy)
    {
        var history = await memory.ReadHistoryAsync("demo", Ns, CancellationToken.None);
        var diagnosis = StuckReleaseRule.Diagnose(history, Now, StaleAfter);
        var stuck = diagnosis.StuckRevision!;
        var liveness = LivenessRule.Assess(new LivenessFacts(
            new ResourceKey(memory.Driver.Kind(), Ns, stuck.ObjectName), stuck.Release!.LastDeployed, 0, stuck.StorageWrites, [], Now, StaleAfter, HelmTimeout));
        var plan = RemediationPlanner.Plan(history, diagnosis, strategy, [], CiQuietCheck.Skipped(Reason), new RemediationOverrides(false, SkipCiCheck: true, Reason), liveness, memory.Driver);
        Assert.False(plan.Blocked);
        return plan;
    }

    private static UnstickRequest Request(RemediationStrategy strategy, string backups) => new(
        "demo", Ns, strategy, new RemediationOverrides(false, SkipCiCheck: true, Reason), StaleAfter, HelmTimeout, BackupTarget.Files(backups),
        new CiRequest(() => CiSources.None), "matrix");

    private static async Task<Left> LeftAsync(InMemoryReleaseStore memory, string? original, string? theirs)
    {
        var json = memory.Json(Ns, Name);
        var now = (await memory.ReadHistoryAsync("demo", Ns, CancellationToken.None)).Revisions.SingleOrDefault(r => r.ObjectName == Name);
        return json == original ? Left.AsItWas
            : theirs is not null && json == theirs ? Left.AsAnotherWriterLeftIt
            : now is null ? Left.Deleted
            : now is { Status: ReleaseStatus.Failed, LabelStatus: "failed" } ? Left.MarkedFailed
            : Left.SomethingElse;
    }

    private static List<string> Backups(string directory) => Directory.Exists(directory) ? [.. Directory.GetFiles(directory)] : [];
}
