using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using Prometheus;

namespace HelmUnstick.Engine.Serve;

/// <summary>How a fix attempt ended, as counted in <c>helm_unstick_remediations_total</c>.</summary>
internal enum RemediationOutcome
{
    Fixed,
    Blocked,
    Failed,
}

/// <summary>
/// The metrics <c>serve</c> exports, with exactly these names (dashboards and alerts depend on them). A registry
/// of their own: no process metrics, and two instances in one process (tests) do not share series.
/// </summary>
internal sealed class ServeMetrics
{
    private readonly Gauge _stuck;
    private readonly Gauge _stuckAge;
    private readonly Counter _remediations;
    private readonly Gauge _leader;
    private readonly Counter _watchErrors;
    private readonly Dictionary<ReleaseKey, string[]> _stuckLabels = new();
    private readonly Lock _gate = new();

    public ServeMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        _stuck = factory.CreateGauge("helm_unstick_release_stuck",
            "1 while the release's newest revision is pending-*, with the liveness verdict (stale, possibly-running, unknown); the series disappears once it is not, and is replaced when the verdict changes.",
            "namespace", "release", "revision", "status", "verdict");
        _stuckAge = factory.CreateGauge("helm_unstick_release_stuck_age_seconds",
            "Seconds since the stuck revision's info.last_deployed.", "namespace", "release");
        _remediations = factory.CreateCounter("helm_unstick_remediations_total",
            "Fix attempts by outcome: fixed (changed and verified), blocked (a check failed, nothing changed), failed.",
            "namespace", "release", "strategy", "outcome");
        _leader = factory.CreateGauge("helm_unstick_leader", "1 on the replica holding the lease (the only one that writes), else 0.");
        _watchErrors = factory.CreateCounter("helm_unstick_watch_errors_total", "Failed lists and watches of release Secrets, or ConfigMaps with --driver configmap (each is retried with backoff).");
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    /// <summary>A new revision, status or verdict replaces the release's series: no stale one is left behind.</summary>
    public void SetStuck(ReleaseKey release, int revision, string status, LivenessVerdict verdict, TimeSpan? age)
    {
        string[] labels = [release.Namespace, release.Release, revision.ToString(System.Globalization.CultureInfo.InvariantCulture), status, verdict.ToName()];
        lock (_gate)
        {
            if (_stuckLabels.TryGetValue(release, out var before) && !before.SequenceEqual(labels))
            {
                _stuck.RemoveLabelled(before);
            }

            _stuckLabels[release] = labels;
            _stuck.WithLabels(labels).Set(1);
            if (age is { } a)
            {
                _stuckAge.WithLabels(release.Namespace, release.Release).Set(Math.Floor(a.TotalSeconds));
            }
        }
    }

    public void ClearStuck(ReleaseKey release)
    {
        lock (_gate)
        {
            if (_stuckLabels.Remove(release, out var before))
            {
                _stuck.RemoveLabelled(before);
                _stuckAge.RemoveLabelled(release.Namespace, release.Release);
            }
        }
    }

    public void CountRemediation(ReleaseKey release, string strategy, RemediationOutcome outcome) =>
        _remediations.WithLabels(release.Namespace, release.Release, strategy, outcome.ToString().ToLowerInvariant()).Inc();

    public void SetLeader(bool leader) => _leader.Set(leader ? 1 : 0);

    public void CountWatchError() => _watchErrors.Inc();
}
