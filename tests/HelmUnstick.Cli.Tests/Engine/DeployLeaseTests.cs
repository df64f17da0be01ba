namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// The Lease <c>run</c> holds, against the sandbox on a clock the test drives: taken once, renewed every third of its
/// duration, lost when renewals fail for a whole duration or another holder takes it, released with the outcome.
/// </summary>
public sealed class DeployLeaseTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 11, 0, 0, TimeSpan.Zero);
    private static readonly CiJobReference Job = new("https://gitlab.example/ops/deploy/-/jobs/77", "12", "77");

    /// <summary>A third of the claim's 15 s duration.</summary>
    private static readonly TimeSpan RenewalPeriod = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Acquire_CreatesTheLabelledLease_ThenAnotherRunIsRefusedNamingTheHolder()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = Connect(cli, clock);
        var store = new ReleaseLeaseStore(session);

        var first = await DeployLease.AcquireAsync(store, Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None);
        var second = await DeployLease.AcquireAsync(store, Claim("runner-2/20/bbbbbb"), clock, TimeSpan.Zero, null, CancellationToken.None);

        Assert.NotNull(first.Held);
        Assert.Null(first.Before);
        Assert.Null(second.Held);
        Assert.Equal(
            new ReleaseLease("default", "helm-unstick.web", "runner-1/10/aaaaaa", Start, Start, 15, "runner-1/10/aaaaaa", Job.Url, "upgrade ./chart", CiProjectId: Job.ProjectId, CiJobId: Job.JobId),
            second.HeldByOther);
        var stored = cli.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "helm-unstick.web")!;
        Assert.Equal("helm-unstick", (string?)stored["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]);
        Assert.Equal("web", (string?)stored["metadata"]!["labels"]!["helm-unstick.io/release"]);
        Assert.Equal(
            ["helm-unstick.io/ci-job-id", "helm-unstick.io/ci-job-url", "helm-unstick.io/ci-project-id", "helm-unstick.io/command", "helm-unstick.io/holder", "helm-unstick.io/started-at"],
            stored["metadata"]!["annotations"]!.AsObject().Select(a => a.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Release_ClearsTheHolderAndRecordsTheOutcome_ThenTheNextRunTakesIt()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = Connect(cli, clock);
        var store = new ReleaseLeaseStore(session);
        var first = (await DeployLease.AcquireAsync(store, Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;

        clock.Advance(TimeSpan.FromSeconds(3));
        var warning = await first.ReleaseAsync(new LeaseEnd(clock.GetUtcNow(), null, "SIGKILL", "pending-upgrade"), CancellationToken.None);
        var released = (await store.ReadAsync("default", "web", CancellationToken.None))!;
        var next = await DeployLease.AcquireAsync(store, Claim("runner-2/20/bbbbbb"), clock, TimeSpan.Zero, null, CancellationToken.None);

        Assert.Null(warning);
        Assert.Equal(new ReleaseLease("default", "helm-unstick.web", "", Start, Start, 15, "runner-1/10/aaaaaa", Job.Url, "upgrade ./chart", Start + TimeSpan.FromSeconds(3), Job.ProjectId, Job.JobId), released);
        var annotations = cli.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "helm-unstick.web")!["metadata"]!["annotations"]!;
        Assert.NotNull(next.Held);
        Assert.Equal(released, next.Before);
        Assert.Null((string?)annotations["helm-unstick.io/signal"]);
        Assert.Equal("runner-2/20/bbbbbb", (string?)annotations["helm-unstick.io/holder"]);
    }

    [Fact]
    public async Task ReleasedLease_RecordsSignalAndReleaseStatus()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = Connect(cli, clock);
        var lease = (await DeployLease.AcquireAsync(new ReleaseLeaseStore(session), Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;

        await lease.ReleaseAsync(new LeaseEnd(Start, null, "SIGKILL", "pending-upgrade"), CancellationToken.None);

        var annotations = cli.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "helm-unstick.web")!["metadata"]!["annotations"]!;
        Assert.Equal("SIGKILL", (string?)annotations["helm-unstick.io/signal"]);
        Assert.Equal("pending-upgrade", (string?)annotations["helm-unstick.io/release-status"]);
        Assert.Null(annotations["helm-unstick.io/exit-code"]);
    }

    [Fact]
    public async Task Renew_EveryThirdOfTheDuration_OnTheCommandsClock()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new RetryClock(Start);
        using var session = Connect(cli, clock);
        var store = new ReleaseLeaseStore(session);
        var lease = (await DeployLease.AcquireAsync(store, Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;
        using var stop = new CancellationTokenSource();
        var renewing = lease.RenewAsync(stop.Token);

        // Each step waits for the loop to park on its timer first: a step taken before would push the renewal back.
        await clock.PendingAsync(RenewalPeriod);
        clock.Advance(TimeSpan.FromSeconds(4));
        var notYet = await RenewTimeAsync(store);
        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(async () => await RenewTimeAsync(store) == Start + TimeSpan.FromSeconds(5));
        clock.Advance(await clock.PendingAsync(RenewalPeriod) - clock.GetUtcNow());
        await UntilAsync(async () => await RenewTimeAsync(store) == Start + TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await renewing;

        Assert.Equal(Start, notYet);
        Assert.False(lease.Lost.IsCompleted);
    }

    [Fact]
    public async Task ApiDownForAWholeDuration_LosesTheLease()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = Connect(cli, clock);
        var lease = (await DeployLease.AcquireAsync(new ReleaseLeaseStore(session), Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;
        using var down = cli.Server.Faults.Respond("PUT", "/leases/", 503, times: int.MaxValue);
        using var stop = new CancellationTokenSource();
        var renewing = lease.RenewAsync(stop.Token);

        var lostAfter = await AdvanceUntilAsync(clock, lease.Lost);
        await renewing;

        Assert.InRange(lostAfter, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.StartsWith("Lease default/helm-unstick.web could not be renewed for 15s (the API server ", await lease.Lost);
    }

    [Fact]
    public async Task TakenByAnotherHolder_LosesTheLeaseAtTheNextRenewal()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new RetryClock(Start);
        using var session = Connect(cli, clock);
        var lease = (await DeployLease.AcquireAsync(new ReleaseLeaseStore(session), Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;
        var stored = cli.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "helm-unstick.web")!;
        stored["spec"]!["holderIdentity"] = "runner-2/20/bbbbbb";
        cli.Server.Store.Upsert("coordination.k8s.io/v1", "leases", stored);
        var renewing = lease.RenewAsync(CancellationToken.None);

        var lostAfter = await RenewUntilAsync(clock, lease.Lost);
        await renewing;

        Assert.Equal(TimeSpan.FromSeconds(5), lostAfter);
        Assert.Equal("Lease default/helm-unstick.web was taken by another holder", await lease.Lost);
        Assert.Equal("runner-2/20/bbbbbb", (string?)cli.Server.Store.Get("coordination.k8s.io/v1", "leases", "default", "helm-unstick.web")!["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task WaitForRelease_TakesTheLeaseOnceTheHolderLetsGo()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions());
        var clock = new FakeTimeProvider(Start);
        using var session = Connect(cli, clock);
        var store = new ReleaseLeaseStore(session);
        var first = (await DeployLease.AcquireAsync(store, Claim("runner-1/10/aaaaaa"), clock, TimeSpan.Zero, null, CancellationToken.None)).Held!;
        var waits = new List<string?>();

        var second = DeployLease.AcquireAsync(store, Claim("runner-2/20/bbbbbb"), clock, TimeSpan.FromMinutes(10), new Progress(waits), CancellationToken.None);
        await AdvanceUntilAsync(clock, Task.Run(async () => { while (waits.Count < 3) { await Task.Yield(); } }));
        await first.ReleaseAsync(new LeaseEnd(clock.GetUtcNow(), 0, null, "deployed"), CancellationToken.None);
        await AdvanceUntilAsync(clock, second);

        Assert.NotNull((await second).Held);
        Assert.All(waits, holder => Assert.Equal("runner-1/10/aaaaaa", holder));
    }

    private static LeaseClaim Claim(string holder) => new("web", "default", holder, TimeSpan.FromSeconds(15), "upgrade ./chart", Job);

    private static ClusterSession Connect(CliHarness cli, TimeProvider clock) =>
        ClusterSession.Connect(new KubeTarget(cli.Kubeconfig, null, null), new CliEnvironment(new TestConsole(), TextWriter.Null, _ => null, clock, false));

    private static async Task<DateTimeOffset?> RenewTimeAsync(ReleaseLeaseStore store) =>
        (await store.ReadAsync("default", "web", CancellationToken.None))!.RenewTime;

    /// <summary>Waits (without moving the clock) for an effect of the renewal that a clock step started.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 500 && !await condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(await condition(), "the renewal did not happen");
    }

    /// <summary>
    /// Runs the renewal loop one renewal at a time until <paramref name="task"/> completes: waits until the loop is
    /// parked on its timer (or <paramref name="task"/> completed), then moves the clock exactly to that timer's due time.
    /// Returns how far the clock moved, which is then a whole number of renewal periods.
    /// </summary>
    private static async Task<TimeSpan> RenewUntilAsync(RetryClock clock, Task task)
    {
        var start = clock.GetUtcNow();
        for (var renewal = 0; renewal < 60; renewal++)
        {
            var parked = clock.PendingAsync(RenewalPeriod);
            await Task.WhenAny(task, parked);
            if (task.IsCompleted)
            {
                return clock.GetUtcNow() - start;
            }

            clock.Advance(await parked - clock.GetUtcNow());
        }

        Assert.Fail("did not complete within 60 renewals");
        return TimeSpan.Zero;
    }

    /// <summary>Moves the clock half a second at a time, letting the renewals run in between, until <paramref name="task"/> completes.</summary>
    private static async Task<TimeSpan> AdvanceUntilAsync(FakeTimeProvider clock, Task task)
    {
        var start = clock.GetUtcNow();
        for (var i = 0; i < 600 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            if (!task.IsCompleted)
            {
                clock.Advance(TimeSpan.FromMilliseconds(500));
            }
        }

        Assert.True(task.IsCompleted, "did not complete within 5 minutes of the test's clock");
        return clock.GetUtcNow() - start;
    }

    private sealed class Progress(List<string?> waits) : IProgress<ReleaseLease>
    {
        public void Report(ReleaseLease holder)
        {
            lock (waits)
            {
                waits.Add(holder.HolderIdentity);
            }
        }
    }
}
