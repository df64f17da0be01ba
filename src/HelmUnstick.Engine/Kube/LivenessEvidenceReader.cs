using System.Net;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Explain;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Reads from the cluster what the liveness verdict needs: every object of the pending revision's manifest and
/// hooks (generateName hooks by prefix and creation time), by namespace and kind through one shared
/// <see cref="LiveObjectReader"/>; the release storage object's own write times come with the revision as it was read
/// (never a second read). A kind the cluster does not serve, a forbidden read or an API error becomes an unreadable
/// object with the exact reason, never a silent pass.
/// </summary>
internal sealed class LivenessEvidenceReader(ClusterSession session, LiveObjectReader objects)
{
    public LivenessEvidenceReader(ClusterSession session)
        : this(session, new LiveObjectReader(session))
    {
    }

    /// <param name="lease">The release's Lease held by <c>run</c>, read by the caller (with its other reads), when there is one.</param>
    public async Task<LivenessAssessment> AssessAsync(
        StoredRevision pending, StorageDriver driver, DateTimeOffset now, TimeSpan staleAfter, TimeSpan helmTimeout, ReleaseLease? lease, CancellationToken ct) =>
        LivenessRule.Assess(await ReadFactsAsync(pending, driver, now, staleAfter, helmTimeout, lease, ct));

    public async Task<LivenessFacts> ReadFactsAsync(
        StoredRevision pending, StorageDriver driver, DateTimeOffset now, TimeSpan staleAfter, TimeSpan helmTimeout, ReleaseLease? lease, CancellationToken ct)
    {
        var release = pending.Release ?? throw new ArgumentException("the pending revision's payload is unreadable", nameof(pending));
        var storage = new ResourceKey(driver.Kind(), pending.Namespace, pending.ObjectName);
        var observed = new List<ObservedObject>();

        IReadOnlyList<PendingObject> pendingObjects;
        try
        {
            pendingObjects = PendingObject.Of(release);
        }
        catch (FormatException e)
        {
            observed.Add(ObservedObject.Unreadable(storage, PendingObjectRole.Manifest, $"the pending revision's manifest cannot be read: {e.Message}"));
            pendingObjects = [];
        }

        var queries = pendingObjects
            .GroupBy(o => (o.ApiVersion, o.Kind, o.Namespace))
            .Select(g => new KindQuery(
                g.Key.ApiVersion, g.Key.Kind, g.Key.Namespace,
                g.Where(o => o.Name is not null).Select(o => o.Name!).Distinct().ToList(),
                ListAll: g.Any(o => o.Name is null),
                MetadataOnly: LiveObjectReader.IsStatusless(g.Key.ApiVersion, g.Key.Kind)))
            .ToList();
        var reads = await objects.ReadKindsAsync(queries, pendingObjects.Count, ct);
        foreach (var pendingObject in pendingObjects)
        {
            observed.AddRange(Observe(pendingObject, reads[(pendingObject.ApiVersion, pendingObject.Kind, pendingObject.Namespace)], release.LastDeployed));
        }

        return new LivenessFacts(storage, release.LastDeployed, release.HookCount,
            pending.StorageWrites, observed, now, staleAfter, helmTimeout, lease);
    }

    private IReadOnlyList<ObservedObject> Observe(PendingObject pending, KindRead read, DateTimeOffset? lastDeployed)
    {
        if (pending.Name is not null)
        {
            var one = read.ByName[pending.Name];
            return [one.Live is { } live ? ObservedObject.Found(pending.Key, pending.Role, live)
                : one.Failure is { } failure ? ObservedObject.Unreadable(pending.Key, pending.Role, Reason(failure))
                : ObservedObject.Missing(pending.Key, pending.Role)];
        }

        if (read.ListFailure is { } listFailure)
        {
            return [ObservedObject.Unreadable(pending.Key, pending.Role, Reason(listFailure))];
        }

        var created = pending.CreatedBy(read.Listed ?? [], lastDeployed);
        return created.Count == 0
            ? [ObservedObject.Missing(pending.Key, pending.Role)]
            : created.Select(live => ObservedObject.Found(pending.KeyOf(live["metadata"]!["name"]!.GetValue<string>()), pending.Role, live)).ToList();
    }

    private string Reason(ReadFailure failure) => failure.Error is not { } e
        ? failure.Doing
        : KubeErrors.StatusOf(e) == HttpStatusCode.Forbidden
            ? $"forbidden: {KubeErrors.ServerMessage(e) ?? "403 Forbidden"}"
            : KubeErrors.Describe(e, session, failure.Doing);
}
