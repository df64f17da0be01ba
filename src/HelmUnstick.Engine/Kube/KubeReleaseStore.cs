using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Storage;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Helm's release storage objects, read and written through KubernetesClient: Secrets (driver "secret") or
/// ConfigMaps (driver "configmap"). A ConfigMap is handled in the shape of a Secret (its <c>data.release</c> as
/// Helm's payload bytes), so everything above the store, from diagnosis to backups, works the same for both.
/// </summary>
internal sealed class KubeReleaseStore(ClusterSession session, StorageDriver driver) : IReleaseStore
{
    public StorageDriver Driver => driver;

    public const string HelmOwnerSelector = "owner=helm";
    public const string MetadataOnlyAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

    private static readonly string[] PendingStatusNames = [.. Enum.GetValues<ReleaseStatus>().Where(s => s.IsPending()).Select(s => s.ToHelmName())];

    /// <summary>
    /// Pages through release Secrets' metadata only (no payloads), with a server-side label selector: cheap
    /// enough for clusters with tens of thousands of release Secrets. Each page is read in one pass into just the
    /// names and labels.
    /// </summary>
    public async IAsyncEnumerable<ListedObject> ListMetadataAsync(
        string? ns, string labelSelector, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var page in ListMetadataPagesAsync(ns, labelSelector, pageSize, ct))
        {
            foreach (var listed in page.Items)
            {
                yield return listed;
            }
        }
    }

    /// <summary>
    /// The same list page by page, each with the resourceVersion it was read at (where a watch starts). The next
    /// page is asked for as soon as this one's continue token is read, which the apiserver writes before the items:
    /// the server builds the next page while this one is decoded, instead of the two waiting for each other.
    /// </summary>
    public async IAsyncEnumerable<ListedPage> ListMetadataPagesAsync(
        string? ns, string labelSelector, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        var next = OpenPageAsync(continueToken: null);
        try
        {
            while (next is not null)
            {
                using var response = await next;
                next = null;
                var body = PipeReader.Create(await response.Content.ReadAsStreamAsync(ct));
                var early = await ContinueTokenAtStartAsync(body, ct);
                if (early is not null)
                {
                    next = OpenPageAsync(early);
                }

                var page = await JsonSerializer.DeserializeAsync(body, MetadataListJsonContext.Default.MetadataListPage, ct);
                await body.CompleteAsync();
                var items = (page?.Items ?? [])
                    .Where(item => item.Metadata?.Name is not null)
                    .Select(item => new ListedObject(item.Metadata!.Namespace ?? "", item.Metadata.Name!, item.Metadata.Labels ?? [], item.Metadata.ResourceVersion))
                    .ToList();
                yield return new ListedPage(items, page?.Metadata?.ResourceVersion ?? "");
                if (early is null && page?.Metadata?.Continue is { Length: > 0 } late)
                {
                    next = OpenPageAsync(late);
                }
            }
        }
        finally
        {
            // A caller that stops early, or fails, leaves a page under way: it is of no interest any more.
            _ = next?.ContinueWith(
                static opened =>
                {
                    if (opened.IsCompletedSuccessfully)
                    {
                        opened.Result.Dispose();
                    }

                    return opened.Exception;
                },
                TaskScheduler.Default);
        }

        Task<HttpResponseMessage> OpenPageAsync(string? continueToken) => KubeHttp.GetAsync(
            session,
            $"{CollectionPath(ns)}?labelSelector={Uri.EscapeDataString(labelSelector)}&limit={pageSize}" +
            (continueToken is null ? "" : $"&continue={Uri.EscapeDataString(continueToken)}"),
            MetadataOnlyAccept,
            ct);
    }

    /// <summary>
    /// Reads the start of a list's body, leaving all of it to be decoded, until its continue token is known: the
    /// token when the list's metadata holds one before the items (as the apiserver writes them); null when it has
    /// none, or the items come first (then the whole page tells).
    /// </summary>
    private static async Task<string?> ContinueTokenAtStartAsync(PipeReader body, CancellationToken ct)
    {
        while (true)
        {
            var read = await body.ReadAsync(ct);
            var (decided, token) = ContinueTokenAtStart(read.Buffer, read.IsCompleted);
            if (decided)
            {
                body.AdvanceTo(read.Buffer.Start);
                return token;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>
    /// What the start of a list's body tells of its continue token; not decided while more of it is needed. A body
    /// that is not JSON decides "no token": decoding the whole page then reports it as before.
    /// </summary>
    internal static (bool Decided, string? Token) ContinueTokenAtStart(ReadOnlySequence<byte> start, bool isWhole)
    {
        try
        {
            return ReadContinueTokenAtStart(start, isWhole);
        }
        catch (JsonException)
        {
            return (true, null);
        }
    }

    private static (bool Decided, string? Token) ReadContinueTokenAtStart(ReadOnlySequence<byte> start, bool isWhole)
    {
        var reader = new Utf8JsonReader(start, isFinalBlock: isWhole, state: default);
        if (!reader.Read())
        {
            return (isWhole, null);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return (true, null);
        }

        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.ValueTextEquals("items"u8))
            {
                return (true, null);
            }

            var isMetadata = reader.ValueTextEquals("metadata"u8);
            if (!reader.Read())
            {
                break;
            }

            if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
            {
                return ContinueTokenInMetadata(ref reader, isWhole);
            }

            if (!reader.TrySkip())
            {
                break;
            }
        }

        return (isWhole, null);
    }

    private static (bool Decided, string? Token) ContinueTokenInMetadata(ref Utf8JsonReader reader, bool isWhole)
    {
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return (true, null);
            }

            var isContinue = reader.ValueTextEquals("continue"u8);
            if (!reader.Read())
            {
                break;
            }

            if (isContinue)
            {
                return (true, reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } token ? token : null);
            }

            if (!reader.TrySkip())
            {
                break;
            }
        }

        return (isWhole, null);
    }

    /// <summary>
    /// The release objects labelled pending-*, payloads included: the first <paramref name="limit"/> of them in one
    /// list. Read beside the metadata list, they spare a scan the round trip of reading its candidates one by one.
    /// </summary>
    public async Task<IReadOnlyList<V1Secret>> ListPendingAsync(string? ns, int limit, CancellationToken ct)
    {
        var selector = $"{HelmOwnerSelector},status in ({string.Join(',', PendingStatusNames)})";
        if (driver == StorageDriver.ConfigMap)
        {
            var configMaps = ns is null
                ? await session.Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: selector, limit: limit, cancellationToken: ct)
                : await session.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, limit: limit, cancellationToken: ct);
            return configMaps.Items.Select(AsSecret).ToList();
        }

        var secrets = ns is null
            ? await session.Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: selector, limit: limit, cancellationToken: ct)
            : await session.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector, limit: limit, cancellationToken: ct);
        return [.. secrets.Items];
    }

    /// <summary>The driver's objects in one namespace, or in all of them.</summary>
    public string CollectionPath(string? ns) =>
        ns is null ? $"api/v1/{driver.Resource()}" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/{driver.Resource()}";

    public async Task<ReleaseHistory> ReadHistoryAsync(string release, string ns, CancellationToken ct)
    {
        var selector = $"name={release},{HelmOwnerSelector}";
        var items = driver == StorageDriver.ConfigMap
            ? (await session.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector, cancellationToken: ct)).Items.Select(AsSecret)
            : (await session.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector, cancellationToken: ct)).Items;
        return new ReleaseHistory(release, ns, items.Select(item => item.ToStoredRevision(driver)));
    }

    public async Task<V1Secret?> GetAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            return driver == StorageDriver.ConfigMap
                ? AsSecret(await session.Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct))
                : await session.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
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

    public Task DeleteAsync(StoredRevision target, CancellationToken ct)
    {
        var options = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = target.Uid, ResourceVersion = target.ResourceVersion } };
        return driver == StorageDriver.ConfigMap
            ? session.Client.CoreV1.DeleteNamespacedConfigMapAsync(target.ObjectName, target.Namespace, options, cancellationToken: ct)
            : session.Client.CoreV1.DeleteNamespacedSecretAsync(target.ObjectName, target.Namespace, options, cancellationToken: ct);
    }

    public async Task<V1Secret> ReplaceAsync(V1Secret secret, CancellationToken ct) => driver == StorageDriver.ConfigMap
        ? AsSecret(await session.Client.CoreV1.ReplaceNamespacedConfigMapAsync(AsConfigMap(secret), secret.Metadata.Name, secret.Metadata.NamespaceProperty, cancellationToken: ct))
        : await session.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, secret.Metadata.NamespaceProperty, cancellationToken: ct);

    public async Task<V1Secret> CreateAsync(V1Secret secret, CancellationToken ct) => driver == StorageDriver.ConfigMap
        ? AsSecret(await session.Client.CoreV1.CreateNamespacedConfigMapAsync(AsConfigMap(secret), secret.Metadata.NamespaceProperty, cancellationToken: ct))
        : await session.Client.CoreV1.CreateNamespacedSecretAsync(secret, secret.Metadata.NamespaceProperty, cancellationToken: ct);

    /// <summary>A release ConfigMap in the shape of a release Secret: the same metadata, and Helm's payload text as bytes.</summary>
    public static V1Secret AsSecret(V1ConfigMap configMap) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = configMap.Metadata,
        Data = configMap.Data?.ToDictionary(d => d.Key, d => Encoding.ASCII.GetBytes(d.Value)),
    };

    /// <summary>The ConfigMap a release ConfigMap in the shape of a Secret stands for (the inverse of <see cref="AsSecret"/>).</summary>
    public static V1ConfigMap AsConfigMap(V1Secret secret) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = secret.Metadata,
        Data = secret.Data?.ToDictionary(d => d.Key, d => Encoding.ASCII.GetString(d.Value)),
    };
}

/// <summary>One object of a metadata-only list: what telling release Secrets apart needs, and its resourceVersion (what was read of it is still current while it is unchanged).</summary>
internal sealed record ListedObject(string Namespace, string Name, IReadOnlyDictionary<string, string> Labels, string? ResourceVersion);

/// <summary>One page of a metadata-only list and the resourceVersion it was read at.</summary>
internal sealed record ListedPage(IReadOnlyList<ListedObject> Items, string ResourceVersion);

/// <summary>The parts of a PartialObjectMetadataList that are read; everything else in it is skipped.</summary>
internal sealed record MetadataListPage(ListPageMetadata? Metadata, List<PartialObject>? Items);

internal sealed record ListPageMetadata(string? Continue, string? ResourceVersion);

internal sealed record PartialObject(PartialObjectMeta? Metadata);

internal sealed record PartialObjectMeta(string? Name, string? Namespace, Dictionary<string, string>? Labels, string? ResourceVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MetadataListPage))]
internal sealed partial class MetadataListJsonContext : JsonSerializerContext;
