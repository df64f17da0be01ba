using HelmUnstick.Cli.Kube;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace HelmUnstick.Cli.Serve;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease. Every replica takes part; only the holder writes (fixes and
/// Events). On shutdown the holder clears <c>holderIdentity</c> so another replica takes over within seconds.
/// </summary>
internal sealed class LeaderLease(ClusterSession session, string ns, string name, string identity, ServeMetrics metrics, TextWriter log)
{
    private volatile bool _leading;

    public bool IsLeader => _leading;

    public string Identity => identity;

    public string Describe() => $"Lease {ns}/{name}";

    /// <summary>Called (on the elector's thread) when this replica becomes the leader.</summary>
    public Action? OnStartedLeading { get; init; }

    public async Task RunAsync(CancellationToken ct)
    {
        using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(session.Client, ns, name, identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(15),
            RenewDeadline = TimeSpan.FromSeconds(10),
            RetryPeriod = TimeSpan.FromSeconds(2),
        });
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            metrics.SetLeader(true);
            log.WriteLine($"info: {identity} holds {Describe()}: this replica fixes and writes Events");
            OnStartedLeading?.Invoke();
        };
        elector.OnStoppedLeading += () =>
        {
            _leading = false;
            metrics.SetLeader(false);
        };
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down; ReleaseAsync hands the lease over.
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
            log.WriteLine($"warning: {KubeErrors.Translate(e, session, $"releasing {Describe()}").Message}");
        }
    }
}
