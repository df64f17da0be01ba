using System.Globalization;
using System.Net;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Liveness;
using k8s.Models;

namespace HelmUnstick.Engine.Unstick;

/// <summary>What <c>run</c> asks for: the release's Lease, held as <see cref="Holder"/>, for a deploy described by <see cref="Command"/>.</summary>
/// <param name="Holder"><c>hostname/pid/random</c>: unique per run, readable by a person.</param>
/// <param name="Command">helm's subcommand and chart reference, never values.</param>
internal sealed record LeaseClaim(string Release, string Namespace, string Holder, TimeSpan Duration, string? Command, CiJobReference? CiJob);

/// <summary>How COMMAND ended and what the release looked like then, recorded on the Lease when it is released.</summary>
internal sealed record LeaseEnd(DateTimeOffset EndedAt, int? ExitCode, string? Signal, string? ReleaseStatus);

/// <summary>How asking for the Lease ended: held, or held by someone else (named) for longer than the caller would wait.</summary>
/// <param name="Before">The Lease as it was before this run took it (evidence about a revision left pending before).</param>
internal sealed record LeaseAcquisition(DeployLease? Held, ReleaseLease? Before, ReleaseLease? HeldByOther);

/// <summary>
/// The release's Lease while a deploy runs: taken when free, released or expired; renewed every third of its
/// duration on the command's clock; lost when no renewal has succeeded for a whole duration or another holder
/// took it. Every write carries the resourceVersion read and is never retried blindly: a 409 is answered by reading again.
/// </summary>
internal sealed class DeployLease
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(2);

    private readonly ReleaseLeaseStore _store;
    private readonly LeaseClaim _claim;
    private readonly TimeProvider _clock;
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private V1Lease _lease;
    private DateTimeOffset _lastRenewed;

    private DeployLease(ReleaseLeaseStore store, LeaseClaim claim, TimeProvider clock, V1Lease lease, DateTimeOffset renewed)
    {
        _store = store;
        _claim = claim;
        _clock = clock;
        _lease = lease;
        _lastRenewed = renewed;
    }

    public string Name => _lease.Metadata.Name;

    public string Describe => $"Lease {_claim.Namespace}/{Name}";

    /// <summary>This run's term as evidence, as it reads once released at <paramref name="endedAt"/>.</summary>
    public ReleaseLease AsReleased(DateTimeOffset endedAt) =>
        ReleaseLeaseStore.ToEvidence(_lease) with { HolderIdentity = "", EndedAt = endedAt };

    /// <summary>Completes, with why, when the Lease is lost.</summary>
    public Task<string> Lost => _lost.Task;

    /// <summary>
    /// Takes the Lease, waiting up to <paramref name="waitFor"/> while another live holder has it (polling every 2 s,
    /// telling <paramref name="waiting"/> after each poll). API errors propagate: nothing has started yet.
    /// </summary>
    public static async Task<LeaseAcquisition> AcquireAsync(
        ReleaseLeaseStore store, LeaseClaim claim, TimeProvider clock, TimeSpan waitFor, IProgress<ReleaseLease>? waiting, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + waitFor;
        while (true)
        {
            var attempt = await TryAcquireAsync(store, claim, clock, ct);
            var remaining = deadline - clock.GetUtcNow();
            if (attempt.HeldByOther is not { } other || remaining <= TimeSpan.Zero)
            {
                return attempt;
            }

            waiting?.Report(other);
            await Task.Delay(remaining < PollPeriod ? remaining : PollPeriod, clock, ct);
        }
    }

    private static async Task<LeaseAcquisition> TryAcquireAsync(ReleaseLeaseStore store, LeaseClaim claim, TimeProvider clock, CancellationToken ct)
    {
        while (true)
        {
            var current = await store.GetAsync(claim.Namespace, claim.Release, ct);
            var now = clock.GetUtcNow();
            var before = current is null ? null : ReleaseLeaseStore.ToEvidence(current);
            if (before is not null && before.IsHeldAt(now) && before.HolderIdentity != claim.Holder)
            {
                return new(null, before, before);
            }

            var lease = current ?? new V1Lease { Metadata = new V1ObjectMeta { Name = LeaseRule.NameFor(claim.Release), NamespaceProperty = claim.Namespace } };
            lease.Metadata.Labels = new Dictionary<string, string>(lease.Metadata.Labels ?? new Dictionary<string, string>())
            {
                [ReleaseLeaseStore.ManagedByLabel] = ReleaseLeaseStore.ManagedBy,
                [ReleaseLeaseStore.ReleaseLabel] = claim.Release,
            };
            lease.Metadata.Annotations = StartAnnotations(claim, now, lease.Metadata.Annotations);
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = claim.Holder,
                LeaseDurationSeconds = (int)Math.Ceiling(claim.Duration.TotalSeconds),
                AcquireTime = now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = current is null ? 0 : (current.Spec?.LeaseTransitions ?? 0) + 1,
            };
            try
            {
                var written = current is null ? await store.CreateAsync(lease, ct) : await store.ReplaceAsync(lease, ct);
                return new(new DeployLease(store, claim, clock, written, now), before, null);
            }
            catch (Exception e) when (KubeErrors.StatusOf(e) is HttpStatusCode.Conflict)
            {
                // Another run wrote it between our read and our write: read again and decide again.
            }
        }
    }

    /// <summary>Renews every third of the duration until <paramref name="stop"/>; completes <see cref="Lost"/> when the Lease is lost.</summary>
    public async Task RenewAsync(CancellationToken stop)
    {
        var period = _claim.Duration / 3;
        string? lastProblem = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _clock, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var deadline = _lastRenewed + _claim.Duration;
            if (deadline - _clock.GetUtcNow() is var remaining && remaining <= TimeSpan.Zero)
            {
                Lose(lastProblem);
                return;
            }

            // A hung request must not outlive the term: the attempt ends when the Lease would expire.
            using var attempt = new CancellationTokenSource(remaining, _clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, stop);
            try
            {
                if (!await RenewOnceAsync(linked.Token))
                {
                    _lost.TrySetResult($"{Describe} was taken by another holder");
                    return;
                }

                lastProblem = null;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                lastProblem = attempt.IsCancellationRequested ? "the API server did not answer in time" : KubeErrors.Describe(e, _store.Session, $"renewing {Describe}");
                if (_clock.GetUtcNow() >= deadline)
                {
                    Lose(lastProblem);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Clears the holder (keeping the object and its last renewal) and records how COMMAND ended. Returns a warning
    /// when that could not be written; the Lease then expires by itself after its duration.
    /// </summary>
    public async Task<string?> ReleaseAsync(LeaseEnd end, CancellationToken ct)
    {
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var lease = _lease;
                lease.Spec.HolderIdentity = "";
                var annotations = new Dictionary<string, string>(lease.Metadata.Annotations ?? new Dictionary<string, string>())
                {
                    [ReleaseLeaseStore.EndedAtAnnotation] = ReleaseLeaseStore.Stamp(end.EndedAt),
                };
                Set(annotations, ReleaseLeaseStore.ExitCodeAnnotation, end.ExitCode?.ToString(CultureInfo.InvariantCulture));
                Set(annotations, ReleaseLeaseStore.SignalAnnotation, end.Signal);
                Set(annotations, ReleaseLeaseStore.ReleaseStatusAnnotation, end.ReleaseStatus);
                lease.Metadata.Annotations = annotations;
                try
                {
                    _lease = await _store.ReplaceAsync(lease, ct);
                    return null;
                }
                catch (Exception e) when (KubeErrors.StatusOf(e) is HttpStatusCode.Conflict)
                {
                    if (await _store.GetAsync(_claim.Namespace, _claim.Release, ct) is not { } current || current.Spec?.HolderIdentity != _claim.Holder)
                    {
                        return $"{Describe} is held by another holder now; left as it is";
                    }

                    _lease = current;
                }
            }

            return $"{Describe} kept changing under this run; it expires by itself";
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return $"{KubeErrors.Describe(e, _store.Session, $"releasing {Describe}")}; it expires by itself after {(int)_claim.Duration.TotalSeconds}s";
        }
    }

    /// <summary>True when renewed; false when another holder has the Lease.</summary>
    private async Task<bool> RenewOnceAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        _lease.Spec.RenewTime = now.UtcDateTime;
        try
        {
            _lease = await _store.ReplaceAsync(_lease, ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) is HttpStatusCode.Conflict)
        {
            // Changed since our last write: ours still, renew on what is there; someone else's, lost.
            if (await _store.GetAsync(_claim.Namespace, _claim.Release, ct) is not { } current || current.Spec?.HolderIdentity != _claim.Holder)
            {
                return false;
            }

            current.Spec.RenewTime = now.UtcDateTime;
            _lease = await _store.ReplaceAsync(current, ct);
        }

        _lastRenewed = now;
        return true;
    }

    private void Lose(string? problem) =>
        _lost.TrySetResult($"{Describe} could not be renewed for {(int)_claim.Duration.TotalSeconds}s{(problem is null ? "" : $" ({problem})")}");

    private static Dictionary<string, string> StartAnnotations(LeaseClaim claim, DateTimeOffset now, IDictionary<string, string>? existing)
    {
        // A new term: what the last holder recorded about its end no longer applies.
        var annotations = new Dictionary<string, string>(existing ?? new Dictionary<string, string>());
        foreach (var key in new[]
                 {
                     ReleaseLeaseStore.CommandAnnotation, ReleaseLeaseStore.CiJobUrlAnnotation, ReleaseLeaseStore.CiProjectIdAnnotation, ReleaseLeaseStore.CiJobIdAnnotation,
                     ReleaseLeaseStore.EndedAtAnnotation, ReleaseLeaseStore.ExitCodeAnnotation, ReleaseLeaseStore.SignalAnnotation, ReleaseLeaseStore.ReleaseStatusAnnotation,
                 })
        {
            annotations.Remove(key);
        }

        annotations[ReleaseLeaseStore.HolderAnnotation] = claim.Holder;
        annotations[ReleaseLeaseStore.StartedAtAnnotation] = ReleaseLeaseStore.Stamp(now);
        Set(annotations, ReleaseLeaseStore.CommandAnnotation, claim.Command);
        Set(annotations, ReleaseLeaseStore.CiJobUrlAnnotation, claim.CiJob?.Url);
        Set(annotations, ReleaseLeaseStore.CiProjectIdAnnotation, claim.CiJob?.ProjectId);
        Set(annotations, ReleaseLeaseStore.CiJobIdAnnotation, claim.CiJob?.JobId);
        return annotations;
    }

    private static void Set(Dictionary<string, string> annotations, string key, string? value)
    {
        if (value is not null)
        {
            annotations[key] = value;
        }
    }
}
