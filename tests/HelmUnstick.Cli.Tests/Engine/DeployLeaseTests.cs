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
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);

        var first = await sandbox.AcquireAsync("runner-1/10/aaaaaa");
        var second = await sandbox.AcquireAsync("runner-2/20/bbbbbb");

        Assert.NotNull(first.Held);
        Assert.Null(first.Before);
        Assert.Null(second.Held);
        Assert.Equal(
            new ReleaseLease("default", "helm-unstick.web", "runner-1/10/aaaaaa", Start, Start, 15, "runner-1/10/aaaaaa", Job.Url, "upgrade ./chart", CiProjectId: Job.ProjectId, CiJobId: Job.JobId),
            second.HeldByOther);
        var stored = sandbox.StoredLease;
        Assert.Equal("helm-unstick", (string?)stored["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]);
        Assert.Equal("web", (string?)stored["metadata"]!["labels"]!["helm-unstick.io/release"]);
        Assert.Equal(
            ["helm-unstick.io/ci-job-id", "helm-unstick.io/ci-job-url", "helm-unstick.io/ci-project-id", "helm-unstick.io/command", "helm-unstick.io/holder", "helm-unstick.io/started-at"],
            stored["metadata"]!["annotations"]!.AsObject().Select(a => a.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Release_ClearsTheHolderAndRecordsTheOutcome_ThenTheNextRunTakesIt()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var first = await sandbox.HeldAsync("runner-1/10/aaaaaa");

        clock.Advance(TimeSpan.FromSeconds(3));
        var warning = await first.ReleaseAsync(new LeaseEnd(clock.GetUtcNow(), null, "SIGKILL", "pending-upgrade"), CancellationToken.None);
        var released = (await sandbox.Store.ReadAsync("default", "web", CancellationToken.None))!;
        var next = await sandbox.AcquireAsync("runner-2/20/bbbbbb");

        Assert.Null(warning);
        Assert.Equal(new ReleaseLease("default", "helm-unstick.web", "", Start, Start, 15, "runner-1/10/aaaaaa", Job.Url, "upgrade ./chart", Start + TimeSpan.FromSeconds(3), Job.ProjectId, Job.JobId), released);
        var annotations = sandbox.StoredLease["metadata"]!["annotations"]!;
        Assert.NotNull(next.Held);
        Assert.Equal(released, next.Before);
        Assert.Null((string?)annotations["helm-unstick.io/signal"]);
        Assert.Equal("runner-2/20/bbbbbb", (string?)annotations["helm-unstick.io/holder"]);
    }

    [Fact]
    public async Task ReleasedLease_RecordsSignalAndReleaseStatus()
    {
        var clock = new FakeTimeProvider(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var lease = await sandbox.HeldAsync("runner-1/10/aaaaaa");

        await lease.ReleaseAsync(new LeaseEnd(Start, null, "SIGKILL", "pending-upgrade"), CancellationToken.None);

        var annotations = sandbox.StoredLease["metadata"]!["annotations"]!;
        Assert.Equal("SIGKILL", (string?)annotations["helm-unstick.io/signal"]);
        Assert.Equal("pending-upgrade", (string?)annotations["helm-unstick.io/release-status"]);
        Assert.Null(annotations["helm-unstick.io/exit-code"]);
    }

    [Fact]
    public async Task Renew_EveryThirdOfTheDuration_OnTheCommandsClock()
    {
        var clock = new RetryClock(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var lease = await sandbox.HeldAsync("runner-1/10/aaaaaa");
        using var stop = new CancellationTokenSource();
        var renewing = lease.RenewAsync(stop.Token);

        // Each step waits for the loop to park on its timer first: a step taken before would push the renewal back.
        await clock.PendingAsync(RenewalPeriod);
        clock.Advance(TimeSpan.FromSeconds(4));
        var notYet = await RenewTimeAsync(sandbox.Store);
        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(async () => await RenewTimeAsync(sandbox.Store) == Start + TimeSpan.FromSeconds(5));
        clock.Advance(await clock.PendingAsync(RenewalPeriod) - clock.GetUtcNow());
        await UntilAsync(async () => await RenewTimeAsync(sandbox.Store) == Start + TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await renewing;

        Assert.Equal(Start, notYet);
        Assert.False(lease.Lost.IsCompleted);
    }

    [Fact]
    public async Task ApiDownForAWholeDuration_LosesTheLease()
    {
        var clock = new RetryClock(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var lease = await sandbox.HeldAsync("runner-1/10/aaaaaa");
        using var down = sandbox.Cli.Server.Faults.Respond("PUT", "/leases/", 503, times: int.MaxValue);
        using var stop = new CancellationTokenSource();
        var renewing = lease.RenewAsync(stop.Token);

        var lostAfter = await StepUntilAsync(clock, lease.Lost);
        await renewing;

        // Renewals at 5 s and 10 s fail (a PUT is never retried); the loop wakes at 15 s to find the whole term gone.
        // Exactly 15 s: the clock moves only to the delay the loop is parked on, never while a renewal is in flight,
        // so neither a late delay nor a renewal timing out can shift what is measured or why the Lease was lost.
        Assert.Equal(TimeSpan.FromSeconds(15), lostAfter);
        var server = sandbox.Cli.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Equal(
            $"Lease default/helm-unstick.web could not be renewed for 15s (the API server {server} (context sandbox) answered 503 Service Unavailable"
            + " while renewing Lease default/helm-unstick.web: the server is currently unable to handle the request)",
            await lease.Lost);
    }

    [Fact]
    public async Task TakenByAnotherHolder_LosesTheLeaseAtTheNextRenewal()
    {
        var clock = new RetryClock(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var lease = await sandbox.HeldAsync("runner-1/10/aaaaaa");
        var stored = sandbox.StoredLease;
        stored["spec"]!["holderIdentity"] = "runner-2/20/bbbbbb";
        sandbox.Cli.Server.Store.Upsert("coordination.k8s.io/v1", "leases", stored);
        var renewing = lease.RenewAsync(CancellationToken.None);

        var lostAfter = await StepUntilAsync(clock, lease.Lost);
        await renewing;

        Assert.Equal(TimeSpan.FromSeconds(5), lostAfter);
        Assert.Equal("Lease default/helm-unstick.web was taken by another holder", await lease.Lost);
        Assert.Equal("runner-2/20/bbbbbb", (string?)sandbox.StoredLease["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task WaitForRelease_TakesTheLeaseOnceTheHolderLetsGo()
    {
        var clock = new RetryClock(Start);
        await using var sandbox = await LeaseSandbox.StartAsync(clock);
        var first = await sandbox.HeldAsync("runner-1/10/aaaaaa");
        var waits = new List<string?>();

        var second = DeployLease.AcquireAsync(sandbox.Store, Claim("runner-2/20/bbbbbb"), clock, TimeSpan.FromMinutes(10), new Progress(waits), CancellationToken.None);
        // Polls at 0, 2 and 4 s find the holder; the release comes while the third poll's wait is pending.
        clock.Advance(await clock.NextDelayAsync() - clock.GetUtcNow());
        clock.Advance(await clock.NextDelayAsync() - clock.GetUtcNow());
        await clock.NextDelayAsync();
        await first.ReleaseAsync(new LeaseEnd(clock.GetUtcNow(), 0, null, "deployed"), CancellationToken.None);
        var waited = await StepUntilAsync(clock, second);

        Assert.NotNull((await second).Held);
        Assert.Equal(TimeSpan.FromSeconds(2), waited);
        Assert.Equal(["runner-1/10/aaaaaa", "runner-1/10/aaaaaa", "runner-1/10/aaaaaa"], waits);
    }

    private static LeaseClaim Claim(string holder) => new("web", "default", holder, TimeSpan.FromSeconds(15), "upgrade ./chart", Job);

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
    /// Runs the code one wait at a time until <paramref name="task"/> completes: waits until it is parked on a delay (a
    /// renewal period, a poll, a retry's backoff) or <paramref name="task"/> completed, then moves the clock exactly to
    /// that delay's due time. Returns how far the clock moved, which is then a sum of the delays the code chose.
    /// </summary>
    private static async Task<TimeSpan> StepUntilAsync(RetryClock clock, Task task)
    {
        var start = clock.GetUtcNow();
        for (var step = 0; step < 60; step++)
        {
            var parked = clock.NextDelayAsync();
            await Task.WhenAny(task, parked);
            if (task.IsCompleted)
            {
                return clock.GetUtcNow() - start;
            }

            clock.Advance(await parked - clock.GetUtcNow());
        }

        Assert.Fail("did not complete within 60 waits");
        return TimeSpan.Zero;
    }

    /// <summary>An empty sandbox, a session to it on the test's clock, and the Lease store over that session.</summary>
    private sealed class LeaseSandbox(CliHarness cli, ClusterSession session, TimeProvider clock) : IAsyncDisposable
    {
        public CliHarness Cli => cli;

        public ReleaseLeaseStore Store { get; } = new(session);

        /// <summary>Release web's Lease as the sandbox stores it.</summary>
        public JsonObject StoredLease => cli.Lease("default", "helm-unstick.web")!;

        public static async Task<LeaseSandbox> StartAsync(TimeProvider clock)
        {
            var cli = await CliHarness.StartAsync(new SandboxOptions());
            return new LeaseSandbox(cli, cli.Connect(clock), clock);
        }

        /// <summary>Release web's Lease for <paramref name="holder"/>, without waiting for another holder.</summary>
        public Task<LeaseAcquisition> AcquireAsync(string holder) =>
            DeployLease.AcquireAsync(Store, Claim(holder), clock, TimeSpan.Zero, null, CancellationToken.None);

        /// <summary>Release web's Lease, taken by <paramref name="holder"/> (no one holds it yet).</summary>
        public async Task<DeployLease> HeldAsync(string holder) => (await AcquireAsync(holder)).Held!;

        public async ValueTask DisposeAsync()
        {
            session.Dispose();
            await cli.DisposeAsync();
        }
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
