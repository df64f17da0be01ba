namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>The engine called the way an unattended caller calls it: a request in, a typed result out, nothing printed.</summary>
public sealed class UnstickEngineTests
{
    private static UnstickRequest Request(CliHarness cli, RemediationOverrides overrides) => new(
        "demo", "team-a", RemediationStrategy.MarkFailed, overrides, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5), BackupTarget.Files(Path.Combine(cli.Root, "backups")),
        new CiRequest(() => CiSources.None), "watcher");

    private static (ClusterSession Session, UnstickEngine Engine, AuditLog Audit) Connect(CliHarness cli)
    {
        var env = new CliEnvironment(new TestConsole(), TextWriter.Null, n => cli.Environment.GetValueOrDefault(n), new FixedClock(cli.Now), IsInteractive: false);
        var session = ClusterSession.Connect(new KubeTarget(cli.Kubeconfig, null, null), env);
        var audit = new AuditLog(Path.Combine(cli.Root, "audit.log"));
        return (session, new UnstickEngine(session, new KubeReleaseStore(session, Core.Releases.StorageDriver.Secret), env.Clock), audit);
    }

    [Fact]
    public async Task PlanThenApply_StaleStuckRelease_IsFixedWithBackupAuditAndVerification()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var (session, engine, audit) = Connect(cli);
        using var _ = session;
        var request = Request(cli, new RemediationOverrides(false, SkipCiCheck: true, "INC-8 no CI in tests"));

        var plan = await engine.PlanAsync(request, CancellationToken.None);
        var result = await engine.ApplyAsync(request, plan, audit, CancellationToken.None);

        Assert.Equal(UnstickOutcome.Fixed, result.Outcome);
        Assert.Equal((true, 4, 5), (result.Verification!.Verified, result.Verification.Observed!.StatusShowsRevision, result.Verification.Observed.NextRevision));
        Assert.Equal(Path.Combine(cli.Root, "backups"), Path.GetDirectoryName(result.Backup));
        Assert.Equal(("watcher", "mark-failed", "changed"), (result.Audit!.User, result.Audit.Action, result.Audit.Outcome.ToString()));
        Assert.Single(File.ReadAllLines(audit.Path));
        Assert.Equal(
            [$"Backed up Secret team-a/sh.helm.release.v1.demo.v4 to {result.Backup}", $"Changed: {plan.ChangeDescription}", $"Verified: {result.Verification.Observed.Summary}"],
            result.Events.Select(e => e.Step));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task Apply_BlockedPlan_ReturnsBlockedAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var (session, engine, audit) = Connect(cli);
        using var _ = session;
        var request = Request(cli, new RemediationOverrides(false, false, null));
        var before = cli.Server.Store.ResourceVersion;

        var plan = await engine.PlanAsync(request, CancellationToken.None);
        var result = await engine.ApplyAsync(request, plan, audit, CancellationToken.None);

        Assert.Equal((UnstickOutcome.Blocked, CheckOutcome.Failed), (result.Outcome, plan.Checks.OfType<CiQuietCheck>().Single().Outcome));
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.Null(result.Backup);
        Assert.False(File.Exists(audit.Path));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
