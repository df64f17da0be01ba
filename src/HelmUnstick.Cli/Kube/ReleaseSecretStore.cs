using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HelmUnstick.Cli.Kube;

/// <summary>Helm's release Secrets (driver "secret"), read and written through KubernetesClient.</summary>
internal sealed class ReleaseSecretStore(ClusterSession session)
{
    public const string HelmOwnerSelector = "owner=helm";
    private const string MetadataOnlyAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

    /// <summary>
    /// Pages through release Secrets' metadata only (no payloads), with a server-side label selector: cheap
    /// enough for clusters with tens of thousands of release Secrets.
    /// </summary>
    public async IAsyncEnumerable<V1ObjectMeta> ListMetadataAsync(
        string? ns, string labelSelector, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        string? continueToken = null;
        do
        {
            var path = ns is null ? "api/v1/secrets" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets";
            var query = $"labelSelector={Uri.EscapeDataString(labelSelector)}&limit={pageSize}" +
                        (continueToken is null ? "" : $"&continue={Uri.EscapeDataString(continueToken)}");
            var page = await KubeHttp.GetJsonAsync(session, $"{path}?{query}", MetadataOnlyAccept, ct);
            foreach (var item in page["items"]?.AsArray() ?? [])
            {
                if (item?["metadata"] is JsonObject meta)
                {
                    yield return KubernetesJson.Deserialize<V1ObjectMeta>(meta.ToJsonString());
                }
            }

            continueToken = page["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } token ? token : null;
        }
        while (continueToken is not null);
    }

    /// <summary>Every revision of one release, as Helm itself reads them (<c>name=R,owner=helm</c>).</summary>
    public async Task<ReleaseHistory> ReadHistoryAsync(string release, string ns, CancellationToken ct)
    {
        var list = await session.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: $"name={release},{HelmOwnerSelector}", cancellationToken: ct);
        return new ReleaseHistory(release, ns, list.Items.Select(ToStoredRevision));
    }

    public async Task<V1Secret?> GetAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return await session.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct)
    {
        try
        {
            await session.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            // Many users may not read namespaces; the release lookup will speak for itself.
            return true;
        }
    }

    /// <summary>Deletes exactly the revision that was inspected: the apiserver refuses if uid or resourceVersion moved.</summary>
    public Task DeleteAsync(StoredRevision target, CancellationToken ct) =>
        session.Client.CoreV1.DeleteNamespacedSecretAsync(
            target.SecretName,
            target.Namespace,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = target.Uid, ResourceVersion = target.ResourceVersion } },
            cancellationToken: ct);

    /// <summary>A full update carrying the resourceVersion read: a concurrent writer makes it fail with 409.</summary>
    public Task<V1Secret> ReplaceAsync(V1Secret secret, CancellationToken ct) =>
        session.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, secret.Metadata.NamespaceProperty, cancellationToken: ct);

    public Task<V1Secret> CreateAsync(V1Secret secret, CancellationToken ct) =>
        session.Client.CoreV1.CreateNamespacedSecretAsync(secret, secret.Metadata.NamespaceProperty, cancellationToken: ct);

    public static StoredRevision ToStoredRevision(V1Secret secret)
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
            error = "the Secret has no data key 'release'";
        }

        return new StoredRevision(meta.Name, meta.NamespaceProperty, meta.Uid, meta.ResourceVersion, labels, release, error);
    }
}
