using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Storage;
using k8s.Models;

namespace HelmUnstick.TestSupport;

/// <summary>A call to a release store, for choosing where a fault strikes.</summary>
internal enum StoreCall
{
    ReadHistory,
    Get,
    NamespaceExists,
    Delete,
    Replace,
    Create,
}

/// <summary>
/// A release store that fails on cue, in front of a working one: <see cref="Before"/> runs before a call reaches the
/// store (throw to fail it unsent, or change the store to play another writer), <see cref="After"/> once the call took
/// effect (throw to lose its answer). Every call is counted, so a test can prove a write was never repeated.
/// </summary>
internal sealed class FailingReleaseStore(IReleaseStore inner) : IReleaseStore
{
    private readonly List<StoreCall> _calls = [];

    public Action<StoreCall>? Before { get; set; }

    public Action<StoreCall>? After { get; set; }

    public StorageDriver Driver => inner.Driver;

    /// <summary>Every call made, in order.</summary>
    public IReadOnlyList<StoreCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public Task<ReleaseHistory> ReadHistoryAsync(string release, string ns, CancellationToken ct) =>
        ThroughAsync(StoreCall.ReadHistory, () => inner.ReadHistoryAsync(release, ns, ct));

    public Task<V1Secret?> GetAsync(string ns, string name, CancellationToken ct) =>
        ThroughAsync(StoreCall.Get, () => inner.GetAsync(ns, name, ct));

    public Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct) =>
        ThroughAsync(StoreCall.NamespaceExists, () => inner.NamespaceExistsAsync(ns, ct));

    public Task DeleteAsync(StoredRevision target, CancellationToken ct) =>
        ThroughAsync(StoreCall.Delete, async () =>
        {
            await inner.DeleteAsync(target, ct);
            return true;
        });

    public Task<V1Secret> ReplaceAsync(V1Secret stored, CancellationToken ct) =>
        ThroughAsync(StoreCall.Replace, () => inner.ReplaceAsync(stored, ct));

    public Task<V1Secret> CreateAsync(V1Secret stored, CancellationToken ct) =>
        ThroughAsync(StoreCall.Create, () => inner.CreateAsync(stored, ct));

    private async Task<T> ThroughAsync<T>(StoreCall call, Func<Task<T>> send)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }

        Before?.Invoke(call);
        var answer = await send();
        After?.Invoke(call);
        return answer;
    }
}
