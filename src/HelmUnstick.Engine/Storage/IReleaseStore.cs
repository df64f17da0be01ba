using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s.Models;

namespace HelmUnstick.Engine.Storage;

/// <summary>
/// Where Helm keeps a release's revisions, whichever the driver: each object in the shape of a Secret (a ConfigMap's
/// <c>data.release</c> as Helm's payload bytes), the driver carried by the store. A write carries the identity that was
/// read: the store refuses with 409 Conflict when it moved, and a DELETE of a missing object answers 404, as the
/// apiserver does (<see cref="Kube.KubeErrors.StatusOf"/> reads both).
/// </summary>
internal interface IReleaseStore
{
    StorageDriver Driver { get; }

    /// <summary>Every revision of one release, as Helm itself reads them (<c>name=R,owner=helm</c>).</summary>
    Task<ReleaseHistory> ReadHistoryAsync(string release, string ns, CancellationToken ct);

    /// <summary>One object by name; null when it does not exist.</summary>
    Task<V1Secret?> GetAsync(string ns, string name, CancellationToken ct);

    Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct);

    /// <summary>Deletes exactly the revision that was inspected: refused when its uid or resourceVersion moved.</summary>
    Task DeleteAsync(StoredRevision target, CancellationToken ct);

    /// <summary>A full update carrying the resourceVersion read: refused when another writer came first.</summary>
    Task<V1Secret> ReplaceAsync(V1Secret stored, CancellationToken ct);

    Task<V1Secret> CreateAsync(V1Secret stored, CancellationToken ct);
}
