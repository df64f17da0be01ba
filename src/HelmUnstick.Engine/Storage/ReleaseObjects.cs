using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s.Models;

namespace HelmUnstick.Engine.Storage;

/// <summary>Release objects as the diagnosis reads them: decoded once, whichever store they came from.</summary>
internal static class ReleaseObjects
{
    /// <summary>One revision by its object's name, decoded; null when the object does not exist.</summary>
    public static async Task<StoredRevision?> ReadRevisionAsync(this IReleaseStore store, string ns, string name, CancellationToken ct) =>
        await store.GetAsync(ns, name, ct) is { } stored ? stored.ToStoredRevision(store.Driver) : null;

    public static StoredRevision ToStoredRevision(this V1Secret secret, StorageDriver driver)
    {
        var meta = secret.Metadata;
        var labels = (IReadOnlyDictionary<string, string>?)meta.Labels?.ToDictionary() ?? new Dictionary<string, string>();
        HelmRelease? release = null;
        string? error = null;
        if (secret.Data?.TryGetValue("release", out var payload) == true)
        {
            try
            {
                release = ReleaseCodec.Decode(payload);
            }
            catch (ReleasePayloadException e)
            {
                error = e.Message;
            }
        }
        else
        {
            error = $"the {driver.Kind()} has no data key 'release'";
        }

        return new StoredRevision(meta.Name, meta.NamespaceProperty, meta.Uid, meta.ResourceVersion, labels, release, error)
        {
            StorageWrites = [.. new[] { meta.CreationTimestamp }.Concat(meta.ManagedFields?.Select(f => f.Time) ?? []).OfType<DateTime>().Select(Utc)],
        };
    }

    /// <summary>KubernetesClient's times are UTC, whatever kind they come marked with.</summary>
    private static DateTimeOffset Utc(DateTime time) =>
        new(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
