// The in-memory store fails with the test support's API errors, not the sandbox's.
using ApiErrors = HelmUnstick.TestSupport.ApiErrors;
using HelmUnstick.Engine;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// <c>fix --apply</c> as the engine's one use case, in memory (the release store and an empty cluster answered by the
/// test): the report it returns is the whole account (ending, incident timeline, outcome, change, backup, the error
/// line and its exit code), with nothing filled in by a caller; the host sees the plan before anything is changed.
/// </summary>
public sealed class FixServiceTests : IDisposable
{
    private const string Ns = FaultMatrix.Ns;

    private const string Read = "09:00 Read 4 revision(s) of release demo: helm status shows revision 4 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress.";
    private const string CiSkipped = "09:00 Check \"No CI job is deploying to this cluster\": overridden - not checked (--skip-ci-check): INC-7 fix";
    private const string WorkloadsPassed = "09:00 Check \"Workloads have reconciled\": passed - 0 workload(s) up to date";
    private const string Stale = "09:00 Check \"No live helm process owns the pending revision\": passed - stale: no sign of a live helm on revision 4 (pending for 9h9m)";
    private const string Live = "The cluster runs revision 4's spec for none of the 1 changed resource. 1 matches neither revision and will be overwritten. 1 unchanged resource between the revisions differs from the cluster.";
    private const string Compared = $"09:00 Compared revision 4 with revision 3 and the live objects: {Live}";
    private const string Before = "helm status shows revision 4 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress.";
    private const string After = "helm status shows revision 3 (deployed); the next helm upgrade creates revision 4 and diffs against revision 3's manifest.";
    private const string Change = "delete Secret team-a/sh.helm.release.v1.demo.v4 (revision 4, pending-upgrade) with preconditions uid=a17283e5-1050-49fe-b620-3981df85dbce resourceVersion=1007";
    private const string Checked = $"{Read}\n{CiSkipped}\n{WorkloadsPassed}\n{Stale}\n{Compared}";
    private const string Backup = "backups/sh.helm.release.v1.demo.v4.20261124T090000000Z.json";
    private const string Planned = $"""
        host progress: Checking release demo: revisions, workloads, CI
        host progress: Reading the release's objects from the cluster
        host planned: {Before}
        """;

    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helm-unstick-fix-");
    private readonly InMemoryReleaseStore _memory = InMemoryReleaseStore.FromStoreFile(Fixtures.StuckUpgradeStore, StorageDriver.Secret);
    private readonly FailingReleaseStore _store;
    private readonly SpyHost _host = new();

    public FixServiceTests()
    {
        _store = new FailingReleaseStore(_memory);
    }

    [Fact]
    public async Task Apply_OnAStaleStuckUpgrade_ChangesVerifiesAndComparesTheLiveObjectsAgain()
    {
        var report = await RunAsync(InMemoryCluster.EmptySession(Ns));

        Assert.Equal($"""
            Applied, exit 0: changed and verified: {After}
            error: -
            change: {Change}; backup: {Backup}; restore: restore {Backup}
            {Checked}
            09:00 Backed up Secret team-a/sh.helm.release.v1.demo.v4 to {Backup}
            09:00 Changed: {Change}
            09:00 Verified: {After}
            09:00 Compared the live objects again: {Live}
            {Planned}
            host applied: Fixed
            """, Describe(report));
        Assert.Null(_memory.Json(Ns, FaultMatrix.Name));
    }

    [Fact]
    public async Task Apply_BlockedByAnUnhealthyWorkload_StopsAfterThePlanAndChangesNothing()
    {
        var original = _memory.Json(Ns, FaultMatrix.Name);

        var report = await RunAsync(InMemoryCluster.EmptySession(Ns, InMemoryCluster.UnavailableDeployment(Ns, "web")));

        Assert.Equal($"""
            Blocked, exit 1: blocked by a check: nothing was changed
            error: -
            change: -; backup: -; restore: -
            {Read}
            {CiSkipped}
            09:00 Check "Workloads have reconciled": failed - 1 of 1 workload(s) look unhealthy: Deployment web; investigate them first, or pass --force --reason TEXT
            {Stale}
            {Compared}
            {Planned}
            """, Describe(report));
        Assert.Equal(original, _memory.Json(Ns, FaultMatrix.Name));
        Assert.DoesNotContain(_store.Calls, call => call is StoreCall.Delete or StoreCall.Replace);
    }

    [Fact]
    public async Task Apply_WhenTheDeleteIsRefusedWith409_EndsOnOneErrorLineAndNothingToUndo()
    {
        var original = _memory.Json(Ns, FaultMatrix.Name);
        _store.Before = call =>
        {
            if (call == StoreCall.Delete)
            {
                throw ApiErrors.Status(HttpStatusCode.Conflict, "Precondition failed: UID in precondition: x, UID in object meta: y");
            }
        };

        var report = await RunAsync(InMemoryCluster.EmptySession(Ns));

        const string error = $"Secret team-a/sh.helm.release.v1.demo.v4 was changed by someone else after it was re-read (the API server answered 409 Conflict: " +
                             $"Precondition failed: UID in precondition: x, UID in object meta: y); the history now says \"{Before}\", not the planned \"{After}\"; " +
                             "nothing was changed by this run. Check with: helm history demo -n team-a";
        Assert.Equal($"""
            Applied, exit 1: error: {error}
            error: {error}
            change: -; backup: {Backup}; restore: -
            {Checked}
            09:00 Backed up Secret team-a/sh.helm.release.v1.demo.v4 to {Backup}
            {Planned}
            host applied: ChangedBySomeoneElse
            """, Describe(report));
        Assert.Equal(original, _memory.Json(Ns, FaultMatrix.Name));
    }

    [Fact]
    public async Task Apply_WhenTheHistoryCannotBeReadBackAfterTheChange_ReportsChangedButNotVerifiedWithTheWayBack()
    {
        var wrote = false;
        _store.After = call => wrote |= call == StoreCall.Delete;
        _store.Before = call =>
        {
            if (wrote && call == StoreCall.ReadHistory)
            {
                throw ApiErrors.Status(HttpStatusCode.ServiceUnavailable, "the server is currently unable to handle the request");
            }
        };

        var report = await RunAsync(InMemoryCluster.EmptySession(Ns));

        Assert.Equal($"""
            Applied, exit 4: changed but not verified: the history could not be re-read (the API server https://in-memory.invalid (context in-memory) answered 503 Service Unavailable while re-reading the revisions of release demo in namespace team-a: the server is currently unable to handle the request)
            error: -
            change: {Change}; backup: {Backup}; restore: restore {Backup}
            {Checked}
            09:00 Backed up Secret team-a/sh.helm.release.v1.demo.v4 to {Backup}
            09:00 Changed: {Change}
            {Planned}
            host applied: ChangedUnverified
            """, Describe(report));
    }

    [Fact]
    public async Task Apply_NotConfirmed_ChangesNothingAndSaysSo()
    {
        _host.Agrees = false;

        var report = await RunAsync(InMemoryCluster.EmptySession(Ns), confirm: true);

        Assert.Equal($"""
            NotConfirmed, exit 1: not confirmed: nothing was changed
            error: -
            change: -; backup: -; restore: -
            {Checked}
            {Planned}
            host confirm: {Change}
            """, Describe(report));
    }

    [Fact]
    public async Task Run_ForAReleaseThatDoesNotExist_FailsWithTheRecordOfHowFarItGot()
    {
        using var session = InMemoryCluster.EmptySession(Ns);
        var service = new FixService(session, _store, new FakeTimeProvider(Now), new AuditLog(Path.Combine(_root.FullName, "audit.log")));

        var failed = await Assert.ThrowsAsync<FixFailedException>(() => service.RunAsync(Request("nope", confirm: false), _host, CancellationToken.None));

        var message = "release \"nope\" not found in namespace team-a (no Secret labelled name=nope,owner=helm); list releases with: helm list -a -n team-a";
        Assert.Equal(
            (UnstickFailure.InvalidRequest, message, $"error: {message}", 0, ExitCodes.Usage),
            (((EngineException)failed.InnerException!).Failure, failed.Message, failed.Record.Outcome, failed.Record.Timeline.Count, ExitCodes.For(failed)));
    }

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<FixReport> RunAsync(ClusterSession session, bool confirm = false)
    {
        using var _ = session;
        var service = new FixService(session, _store, new FakeTimeProvider(Now), new AuditLog(Path.Combine(_root.FullName, "audit.log")));
        return await service.RunAsync(Request("demo", confirm), _host, CancellationToken.None);
    }

    private FixRequest Request(string release, bool confirm) => new(
        new UnstickRequest(release, Ns, RemediationStrategy.Delete, new RemediationOverrides(false, SkipCiCheck: true, "INC-7 fix"),
            StuckReleaseRule.DefaultStaleAfter, TimeSpan.FromMinutes(5), BackupTarget.Files(Path.Combine(_root.FullName, "backups")), new CiRequest(() => CiSources.None), "oncall"),
        Apply: true,
        confirm,
        ShowValues: false,
        backup => $"restore {Relative(backup)}");

    /// <summary>The report as a person reads it, backups relative to the test's folder; the host's calls at the end.</summary>
    private string Describe(FixReport report)
    {
        var record = report.Record;
        return string.Join("\n", new[]
            {
                $"{report.Ending}, exit {ExitCodes.For(report)}: {record.Outcome}",
                $"error: {report.Error ?? "-"}",
                $"change: {record.Change ?? "-"}; backup: {(record.Backup is { } backup ? Relative(backup) : "-")}; restore: {record.RestoreCommand ?? "-"}",
            }
            .Concat(record.Timeline.Select(t => $"{t.Time:HH:mm} {t.Step.Replace(_root.FullName + "/", "", StringComparison.Ordinal)}"))
            .Concat(_host.Calls.Select(c => $"host {c}")));
    }

    private string Relative(string path) => Path.GetRelativePath(_root.FullName, path);

    /// <summary>Records what the use case showed and asked; agrees when asked, unless told otherwise.</summary>
    private sealed class SpyHost : IFixHost
    {
        public List<string> Calls { get; } = [];

        public bool Agrees { get; set; } = true;

        public Task<T> RunAsync<T>(string description, Func<IProgress<string>, Task<T>> work, CancellationToken ct)
        {
            Calls.Add($"progress: {description}");
            return NoStepProgress.Instance.RunAsync(description, work, ct);
        }

        public void Poll(IProgress<string> status, string line) => Calls.Add($"poll: {line}");

        public void Planned(IncidentRecord record) => Calls.Add($"planned: {record.Plan!.Before.Summary}");

        public bool Confirm(RemediationPlan plan)
        {
            Calls.Add($"confirm: {plan.ChangeDescription}");
            return Agrees;
        }

        public void Applied(FixReport report) => Calls.Add($"applied: {report.Applied!.Outcome}");
    }
}
