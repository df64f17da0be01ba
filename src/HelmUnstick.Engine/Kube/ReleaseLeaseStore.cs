using System.Globalization;
using System.Net;
using HelmUnstick.Core.Liveness;
using k8s;
using k8s.Models;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// The coordination.k8s.io/v1 Leases <c>run</c> holds, one per release in the release's namespace, labelled so that
/// all of a scope's are read with one list. Writes carry the resourceVersion read: two holders can never both win.
/// </summary>
internal sealed class ReleaseLeaseStore(ClusterSession session)
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "helm-unstick";
    public const string ReleaseLabel = "helm-unstick.io/release";

    /// <summary>The Leases of releases, and nothing else a cluster holds (serve's leader election, node heartbeats).</summary>
    public const string Selector = $"{ManagedByLabel}={ManagedBy},{ReleaseLabel}";

    // Who holds it and what for, under helm-unstick.io/ (never values, --set arguments or file contents).
    public const string HolderAnnotation = "helm-unstick.io/holder";
    public const string CommandAnnotation = "helm-unstick.io/command";
    public const string CiJobUrlAnnotation = "helm-unstick.io/ci-job-url";
    public const string CiProjectIdAnnotation = "helm-unstick.io/ci-project-id";
    public const string CiJobIdAnnotation = "helm-unstick.io/ci-job-id";
    public const string StartedAtAnnotation = "helm-unstick.io/started-at";
    public const string EndedAtAnnotation = "helm-unstick.io/ended-at";
    public const string ExitCodeAnnotation = "helm-unstick.io/exit-code";
    public const string SignalAnnotation = "helm-unstick.io/signal";
    public const string ReleaseStatusAnnotation = "helm-unstick.io/release-status";

    public ClusterSession Session => session;

    /// <summary>The release's Lease, or null when it has none.</summary>
    public async Task<V1Lease?> GetAsync(string ns, string release, CancellationToken ct)
    {
        try
        {
            return await session.Client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseRule.NameFor(release), ns, cancellationToken: ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The release's Lease as evidence, or null when it has none.</summary>
    public async Task<ReleaseLease?> ReadAsync(string ns, string release, CancellationToken ct) =>
        await GetAsync(ns, release, ct) is { } lease ? ToEvidence(lease) : null;

    /// <summary>
    /// The release's Lease as evidence; null when it has none or it cannot be read (a user without RBAC for Leases is
    /// judged by the other signs, as before <c>run</c> existed).
    /// </summary>
    public async Task<ReleaseLease?> ReadEvidenceAsync(string ns, string release, CancellationToken ct)
    {
        try
        {
            return await ReadAsync(ns, release, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return null;
        }
    }

    /// <summary>
    /// Every release Lease in <paramref name="ns"/> (all namespaces when null) as evidence, in one request; empty
    /// when they cannot be listed (judged by the other signs).
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Namespace, string Release), ReleaseLease>> ListEvidenceAsync(string? ns, CancellationToken ct)
    {
        try
        {
            return await ListAsync(ns, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return new Dictionary<(string Namespace, string Release), ReleaseLease>();
        }
    }

    /// <summary>Every release Lease in <paramref name="ns"/> (all namespaces when null), keyed by (namespace, release): one request.</summary>
    public async Task<IReadOnlyDictionary<(string Namespace, string Release), ReleaseLease>> ListAsync(string? ns, CancellationToken ct)
    {
        var list = ns is null
            ? await session.Client.CoordinationV1.ListLeaseForAllNamespacesAsync(labelSelector: Selector, cancellationToken: ct)
            : await session.Client.CoordinationV1.ListNamespacedLeaseAsync(ns, labelSelector: Selector, cancellationToken: ct);
        return list.Items
            .Where(l => l.Metadata.Labels?.ContainsKey(ReleaseLabel) == true)
            .GroupBy(l => (l.Metadata.NamespaceProperty, l.Metadata.Labels[ReleaseLabel]))
            .ToDictionary(g => g.Key, g => ToEvidence(g.First()));
    }

    /// <summary>Creates the Lease; a 409 means another holder created it first.</summary>
    public Task<V1Lease> CreateAsync(V1Lease lease, CancellationToken ct) =>
        session.Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, lease.Metadata.NamespaceProperty, cancellationToken: ct);

    /// <summary>Replaces the Lease as read: the server refuses (409) when it changed since.</summary>
    public Task<V1Lease> ReplaceAsync(V1Lease lease, CancellationToken ct) =>
        session.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, lease.Metadata.Name, lease.Metadata.NamespaceProperty, cancellationToken: ct);

    /// <summary>What the Lease says as liveness evidence.</summary>
    public static ReleaseLease ToEvidence(V1Lease lease)
    {
        var annotations = lease.Metadata.Annotations ?? new Dictionary<string, string>();
        string? Annotation(string key) => annotations.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        return new ReleaseLease(
            lease.Metadata.NamespaceProperty,
            lease.Metadata.Name,
            lease.Spec?.HolderIdentity,
            Utc(lease.Spec?.AcquireTime),
            Utc(lease.Spec?.RenewTime),
            lease.Spec?.LeaseDurationSeconds ?? 0,
            Annotation(HolderAnnotation),
            Annotation(CiJobUrlAnnotation),
            Annotation(CommandAnnotation),
            Annotation(EndedAtAnnotation) is { } ended && DateTimeOffset.TryParse(ended, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            Annotation(CiProjectIdAnnotation),
            Annotation(CiJobIdAnnotation));
    }

    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Utc(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t, DateTimeKind.Utc)) : null;
}
