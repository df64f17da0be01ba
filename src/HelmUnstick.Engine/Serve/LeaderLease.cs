using System.Net;
using HelmUnstick.Engine.Kube;
using k8s;
using k8s.Models;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: take the Lease when it is free or
/// expired, renew it every 2 s, and stop leading when a renewal has not succeeded for 10 s. Every write carries
/// the resourceVersion read, so two replicas can never both win. Every replica takes part; only the holder writes
/// (fixes and Events). On shutdown the holder clears <c>holderIdentity</c> so another replica takes over at once.
/// Runs on the command's clock, which is wall-clock time in production: the Lease's times are compared with other
/// replicas' clocks.
/// </summary>
internal sealed class LeaderLease(ClusterSession session, string ns, string name, string identity, ServeMetrics metrics, TextWriter log, TimeProvider clock)
    : ILeadership
{
    private const int LeaseSeconds = 15;
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(10);

    private volatile bool _leading;
    private DateTimeOffset _lastRenewed;

    public bool IsLeader => _leading;

    public string Describe() => $"Lease {ns}/{name}";

    /// <summary>Called when this replica becomes the leader.</summary>
    public Action? OnStartedLeading { get; init; }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            bool held;
            try
            {
                held = await TryAcquireOrRenewAsync(now, ct);
            }
            catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
            {
                // An API error keeps leadership only until the renew deadline.
                held = _leading && now - _lastRenewed < RenewDeadline;
            }

            if (held && !_leading)
            {
                _leading = true;
                metrics.SetLeader(true);
                log.WriteLine($"info: {identity} holds {Describe()}: this replica fixes and writes Events");
                OnStartedLeading?.Invoke();
            }
            else if (!held && _leading)
            {
                _leading = false;
                metrics.SetLeader(false);
                log.WriteLine($"warning: {identity} lost {Describe()}: another replica fixes now");
            }

            // By the schedule, from when this attempt began: a slow API call does not push the next one back.
            var wait = now + RetryPeriod - clock.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                await Task.Delay(wait, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(DateTimeOffset now, CancellationToken ct)
    {
        V1Lease lease;
        try
        {
            lease = await session.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.NotFound)
        {
            var created = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new V1LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = LeaseSeconds, AcquireTime = now.UtcDateTime, RenewTime = now.UtcDateTime, LeaseTransitions = 0 },
            };
            return await WriteAsync(() => session.Client.CoordinationV1.CreateNamespacedLeaseAsync(created, ns, cancellationToken: ct), now);
        }

        var spec = lease.Spec ??= new V1LeaseSpec();
        var mine = spec.HolderIdentity == identity;
        var expired = spec.RenewTime is not { } renewed || renewed.ToUniversalTime() + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? LeaseSeconds) < now.UtcDateTime;
        if (!mine && !string.IsNullOrEmpty(spec.HolderIdentity) && !expired)
        {
            return false;
        }

        if (!mine)
        {
            spec.HolderIdentity = identity;
            spec.AcquireTime = now.UtcDateTime;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
        }

        spec.LeaseDurationSeconds = LeaseSeconds;
        spec.RenewTime = now.UtcDateTime;
        return await WriteAsync(() => session.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: ct), now);
    }

    /// <summary>A write that another replica beat (409) means it holds the Lease now.</summary>
    private async Task<bool> WriteAsync(Func<Task<V1Lease>> write, DateTimeOffset now)
    {
        try
        {
            await write();
            _lastRenewed = now;
            return true;
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>Clears holderIdentity if this replica still holds the lease; the update carries the resourceVersion read.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        _leading = false;
        metrics.SetLeader(false);
        try
        {
            var lease = await session.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: ct);
            if (lease.Spec?.HolderIdentity != identity)
            {
                return;
            }

            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            await session.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: ct);
            log.WriteLine($"info: released {Describe()}");
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            // The lease then expires by itself after its duration.
            log.WriteLine($"warning: {KubeErrors.Describe(e, session, $"releasing {Describe()}")}");
        }
    }
}

/// <summary>Whether this replica may write (fix, write Events, print decisions): only the Lease holder may.</summary>
internal interface ILeadership
{
    bool IsLeader { get; }
}
