using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Explain;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using k8s.Autorest;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Reads from the cluster what the liveness verdict needs: every object of the pending revision's manifest and
/// hooks (generateName hooks by prefix and creation time) and the release storage object's own write times. A kind
/// the cluster does not serve, a forbidden read or an API error becomes an unreadable object with the exact reason,
/// never a silent pass.
/// </summary>
internal sealed class LivenessEvidenceReader(ClusterSession session)
{
    private const string MetadataOnlyAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

    private readonly LiveObjectReader _resources = new(session);

    public async Task<LivenessAssessment> AssessAsync(
        StoredRevision pending, StorageDriver driver, DateTimeOffset now, TimeSpan staleAfter, TimeSpan helmTimeout, CancellationToken ct) =>
        LivenessRule.Assess(await ReadFactsAsync(pending, driver, now, staleAfter, helmTimeout, ct));

    public async Task<LivenessFacts> ReadFactsAsync(
        StoredRevision pending, StorageDriver driver, DateTimeOffset now, TimeSpan staleAfter, TimeSpan helmTimeout, CancellationToken ct)
    {
        var release = pending.Release ?? throw new ArgumentException("the pending revision's payload is unreadable", nameof(pending));
        var storage = new ResourceKey(driver.Kind(), pending.Namespace, pending.SecretName);
        var observed = new List<ObservedObject>();
        var storageWrites = new List<DateTimeOffset>();

        var storageRead = await ReadAsync(storage, "v1", driver.Resource(), MetadataOnlyAccept, ct);
        if (storageRead.Live is { } storageMeta)
        {
            storageWrites.AddRange(WriteTimes(storageMeta));
        }
        else if (storageRead.Reason is { } storageReason)
        {
            observed.Add(ObservedObject.Unreadable(storage, PendingObjectRole.Manifest, storageReason));
        }

        IReadOnlyList<PendingObject> objects;
        try
        {
            objects = PendingObject.Of(release);
        }
        catch (FormatException e)
        {
            observed.Add(ObservedObject.Unreadable(storage, PendingObjectRole.Manifest, $"the pending revision's manifest cannot be read: {e.Message}"));
            objects = [];
        }

        foreach (var pendingObject in objects)
        {
            observed.AddRange(await ObserveAsync(pendingObject, release.LastDeployed, ct));
        }

        return new LivenessFacts(storage, release.LastDeployed, release.HookCount,
            storageWrites, observed, now, staleAfter, helmTimeout);
    }

    private async Task<IReadOnlyList<ObservedObject>> ObserveAsync(PendingObject pending, DateTimeOffset? lastDeployed, CancellationToken ct)
    {
        string? plural;
        try
        {
            plural = await _resources.ServedResourceNameAsync(pending.ApiVersion, pending.Kind, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return [ObservedObject.Unreadable(pending.Key, pending.Role, Reason(e, $"discovering {pending.ApiVersion}"))];
        }

        if (plural is null)
        {
            return [ObservedObject.Unreadable(pending.Key, pending.Role, $"the cluster does not serve kind {pending.Kind} in {pending.ApiVersion}")];
        }

        if (pending.Name is not null)
        {
            var read = await ReadAsync(pending.Key, pending.ApiVersion, plural, "application/json", ct);
            return [read.Live is { } live ? ObservedObject.Found(pending.Key, pending.Role, live)
                : read.Reason is { } reason ? ObservedObject.Unreadable(pending.Key, pending.Role, reason)
                : ObservedObject.Missing(pending.Key, pending.Role)];
        }

        var list = await ListAsync(pending, plural, ct);
        if (list.Reason is { } listReason)
        {
            return [ObservedObject.Unreadable(pending.Key, pending.Role, listReason)];
        }

        var created = pending.CreatedBy(list.Items, lastDeployed);
        return created.Count == 0
            ? [ObservedObject.Missing(pending.Key, pending.Role)]
            : created.Select(live => ObservedObject.Found(pending.KeyOf(live["metadata"]!["name"]!.GetValue<string>()), pending.Role, live)).ToList();
    }

    private async Task<(JsonObject? Live, string? Reason)> ReadAsync(ResourceKey key, string apiVersion, string plural, string accept, CancellationToken ct)
    {
        var path = $"{LiveObjectReader.GroupVersionPath(apiVersion)}/"
                   + (key.Namespace is null ? "" : $"namespaces/{Uri.EscapeDataString(key.Namespace)}/")
                   + $"{plural}/{Uri.EscapeDataString(key.Name)}";
        try
        {
            return (await KubeHttp.GetJsonAsync(session, path, accept, ct) as JsonObject, null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return (null, Reason(e, $"reading {key}"));
        }
    }

    private async Task<(IReadOnlyList<JsonObject> Items, string? Reason)> ListAsync(PendingObject pending, string plural, CancellationToken ct)
    {
        var path = $"{LiveObjectReader.GroupVersionPath(pending.ApiVersion)}/"
                   + (pending.Namespace is null ? "" : $"namespaces/{Uri.EscapeDataString(pending.Namespace)}/")
                   + plural;
        try
        {
            var list = await KubeHttp.GetJsonAsync(session, path, "application/json", ct);
            return ((list["items"] as JsonArray ?? []).OfType<JsonObject>().Select(item =>
            {
                // A list's items carry no kind; the rules read it.
                var copy = (JsonObject)item.DeepClone();
                copy["kind"] = pending.Kind;
                copy["apiVersion"] = pending.ApiVersion;
                return copy;
            }).ToList(), null);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return ([], Reason(e, $"listing {plural} for {pending.Key}"));
        }
    }

    /// <summary>The storage object's creation and every managedFields time: when a helm last wrote the revision.</summary>
    private static IEnumerable<DateTimeOffset> WriteTimes(JsonObject storage)
    {
        var metadata = storage["metadata"];
        if (LivenessRule.ParseTime(metadata?["creationTimestamp"]) is { } created)
        {
            yield return created;
        }

        foreach (var entry in (metadata?["managedFields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (LivenessRule.ParseTime(entry["time"]) is { } time)
            {
                yield return time;
            }
        }
    }

    private string Reason(Exception e, string doing) => KubeErrors.StatusOf(e) == HttpStatusCode.Forbidden
        ? $"forbidden: {KubeErrors.ServerMessage(e) ?? "403 Forbidden"}"
        : KubeErrors.Describe(e, session, doing);
}
