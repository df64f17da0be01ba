using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Explain;
using k8s.Autorest;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Reads the live objects behind a release's manifests by (namespace, kind): one list per namespace and kind when more
/// than <see cref="ListAbove"/> objects of it are wanted (or every object of it is, for generateName hooks), a GET per
/// object otherwise, all in parallel (bounded), so that a release's objects cost one round trip however many there are.
/// Kinds without a status are read as metadata only where the caller allows it. The core group versions (v1, apps/v1,
/// batch/v1) are always served and their well-known kinds need no discovery; any other kind is looked up through
/// discovery once per group version for the reader's whole life (one reader per command: share it between releases).
/// <paramref name="reading"/> hears how many of how many objects have been read.
/// </summary>
internal sealed class LiveObjectReader(ClusterSession session, Action<int, int>? reading = null)
{
    /// <summary>Up to this many objects of one kind in one namespace are read with GETs; more with one list.</summary>
    public const int ListAbove = 3;

    private const int ParallelReads = 8;
    private const int PageSize = 500;
    private const string MetadataOnlyAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
    private const string MetadataOnlyListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

    private static readonly Dictionary<(string ApiVersion, string Kind), string> WellKnownResources = new()
    {
        [("v1", "ConfigMap")] = "configmaps",
        [("v1", "Secret")] = "secrets",
        [("v1", "Service")] = "services",
        [("v1", "ServiceAccount")] = "serviceaccounts",
        [("v1", "PersistentVolumeClaim")] = "persistentvolumeclaims",
        [("v1", "Pod")] = "pods",
        [("v1", "Namespace")] = "namespaces",
        [("apps/v1", "Deployment")] = "deployments",
        [("apps/v1", "StatefulSet")] = "statefulsets",
        [("apps/v1", "DaemonSet")] = "daemonsets",
        [("apps/v1", "ReplicaSet")] = "replicasets",
        [("batch/v1", "Job")] = "jobs",
        [("batch/v1", "CronJob")] = "cronjobs",
        [("autoscaling/v2", "HorizontalPodAutoscaler")] = "horizontalpodautoscalers",
        [("policy/v1", "PodDisruptionBudget")] = "poddisruptionbudgets",
        [("networking.k8s.io/v1", "Ingress")] = "ingresses",
        [("networking.k8s.io/v1", "NetworkPolicy")] = "networkpolicies",
        [("rbac.authorization.k8s.io/v1", "Role")] = "roles",
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = "rolebindings",
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = "clusterroles",
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = "clusterrolebindings",
    };

    /// <summary>Group versions every API server serves: their well-known kinds need no discovery.</summary>
    private static readonly HashSet<string> CoreGroupVersions = new(StringComparer.Ordinal) { "v1", "apps/v1", "batch/v1" };

    /// <summary>Kinds that have no status: their metadata (existence, managedFields) is all a liveness rule can use.</summary>
    private static readonly HashSet<(string ApiVersion, string Kind)> StatuslessKinds =
    [
        ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ];

    // Null: the API server does not serve that group version, so no object of it can exist. One read per group
    // version, shared by every caller (a failed read is tried again by the next caller).
    private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, string>?>>> _discovered = new(StringComparer.Ordinal);
    private int _read;

    /// <summary>Whether the objects of a kind carry nothing but metadata for a liveness rule to read.</summary>
    public static bool IsStatusless(string apiVersion, string kind) => StatuslessKinds.Contains((apiVersion, kind));

    /// <summary>The live object of every resource that exists (full objects); a resource absent from the result is missing.</summary>
    /// <exception cref="EngineException">A read failed (after the client's retries).</exception>
    public async Task<IReadOnlyDictionary<ResourceKey, JsonObject>> ReadAsync(IEnumerable<ResourceDiff> resources, CancellationToken ct)
    {
        var all = resources.Select(r => (r.Key, (r.Stuck ?? r.Previous)!.ApiVersion)).ToList();
        var queries = all
            .GroupBy(r => (r.ApiVersion, r.Key.Kind, r.Key.Namespace))
            .Select(g => new KindQuery(g.Key.ApiVersion, g.Key.Kind, g.Key.Namespace, g.Select(r => r.Key.Name).Distinct().ToList(), ListAll: false, MetadataOnly: false))
            .ToList();
        var reads = await ReadKindsAsync(queries, all.Count, ct);

        var live = new Dictionary<ResourceKey, JsonObject>();
        foreach (var (key, apiVersion) in all)
        {
            var read = reads[(apiVersion, key.Kind, key.Namespace)].ByName[key.Name];
            if (read.Failure is { NotServed: false } failure)
            {
                throw KubeErrors.Translate(failure.Error!, session, $"{failure.Doing} ({apiVersion})");
            }

            if (read.Live is { } found)
            {
                live[key] = found;
            }
        }

        return live;
    }

    /// <summary>Reads every query in parallel; keyed by (apiVersion, kind, namespace).</summary>
    /// <param name="objects">How many objects the queries stand for, for <c>reading</c>'s total.</param>
    public async Task<IReadOnlyDictionary<(string ApiVersion, string Kind, string? Namespace), KindRead>> ReadKindsAsync(
        IReadOnlyList<KindQuery> queries, int objects, CancellationToken ct)
    {
        Interlocked.Exchange(ref _read, 0);
        reading?.Invoke(0, objects);
        var reads = await Task.WhenAll(queries.Select(async query =>
        {
            var read = await ReadKindAsync(query, ct);
            reading?.Invoke(Interlocked.Add(ref _read, Math.Max(1, query.Names.Count)), objects);
            return (query, read);
        }));
        return reads.ToDictionary(r => (r.query.ApiVersion, r.query.Kind, r.query.Namespace), r => r.read);
    }

    private async Task<KindRead> ReadKindAsync(KindQuery query, CancellationToken ct)
    {
        string? plural;
        try
        {
            plural = CoreGroupVersions.Contains(query.ApiVersion) && WellKnownResources.TryGetValue((query.ApiVersion, query.Kind), out var known)
                ? known
                : await ServedResourceNameAsync(query.ApiVersion, query.Kind, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return query.FailedAll(new ReadFailure($"discovering {query.ApiVersion}", e));
        }

        if (plural is null)
        {
            return query.FailedAll(new ReadFailure($"the cluster does not serve kind {query.Kind} in {query.ApiVersion}", null, NotServed: true));
        }

        var collection = $"{GroupVersionPath(query.ApiVersion)}/"
                         + (query.Namespace is null ? "" : $"namespaces/{Uri.EscapeDataString(query.Namespace)}/")
                         + plural;
        if (!query.ListAll && query.Names.Count <= ListAbove)
        {
            return new KindRead(await GetEachAsync(query, collection, ct), null, null);
        }

        var listing = $"listing {plural}{(query.Namespace is null ? "" : $" in namespace {query.Namespace}")}";
        IReadOnlyList<JsonObject> items;
        try
        {
            items = await ListAsync(query, collection, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            var failure = new ReadFailure(listing, e);

            // Many users may get but not list a kind: read their objects one by one, as they could.
            var byName = KubeErrors.StatusOf(e) == HttpStatusCode.Forbidden
                ? await GetEachAsync(query, collection, ct)
                : query.Names.ToDictionary(n => n, _ => new ObjectRead(null, failure));
            return new KindRead(byName, null, failure);
        }

        var listed = items.ToDictionary(i => (string)i["metadata"]!["name"]!, StringComparer.Ordinal);
        return new KindRead(
            query.Names.ToDictionary(n => n, n => new ObjectRead(listed.GetValueOrDefault(n), null)),
            query.ListAll ? items : null,
            null);
    }

    private async Task<IReadOnlyDictionary<string, ObjectRead>> GetEachAsync(KindQuery query, string collection, CancellationToken ct)
    {
        var reads = new ConcurrentDictionary<string, ObjectRead>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(query.Names, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct }, async (name, c) =>
        {
            var key = new ResourceKey(query.Kind, query.Namespace, name);
            try
            {
                var live = await KubeHttp.GetJsonAsync(session, $"{collection}/{Uri.EscapeDataString(name)}", query.MetadataOnly ? MetadataOnlyAccept : "application/json", c) as JsonObject;
                reads[name] = new ObjectRead(live is null ? null : query.Stamped(live), null);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                reads[name] = new ObjectRead(null, null);
            }
            catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
            {
                reads[name] = new ObjectRead(null, new ReadFailure($"reading {key}", e));
            }
        });
        return reads;
    }

    /// <summary>Every object of the kind in the namespace, page by page, each carrying its kind and apiVersion.</summary>
    private async Task<IReadOnlyList<JsonObject>> ListAsync(KindQuery query, string collection, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        string? continueToken = null;
        do
        {
            var page = await KubeHttp.GetJsonAsync(
                session,
                $"{collection}?limit={PageSize}" + (continueToken is null ? "" : $"&continue={Uri.EscapeDataString(continueToken)}"),
                query.MetadataOnly ? MetadataOnlyListAccept : "application/json",
                ct);
            if (page["items"] is JsonArray array)
            {
                var pageItems = array.OfType<JsonObject>().ToList();
                array.Clear();
                items.AddRange(pageItems.Select(query.Stamped));
            }

            continueToken = page["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } token ? token : null;
        }
        while (continueToken is not null);

        return items;
    }

    /// <summary>
    /// The resource (plural) serving a kind as discovery reports it, or null when the API server does not serve it:
    /// for checks that must tell "not served" from "not found".
    /// </summary>
    private async Task<string?> ServedResourceNameAsync(string apiVersion, string kind, CancellationToken ct)
    {
        var discovery = _discovered.GetOrAdd(apiVersion, v => new Lazy<Task<IReadOnlyDictionary<string, string>?>>(() => DiscoverAsync(v, ct)));
        try
        {
            return (await discovery.Value)?.GetValueOrDefault(kind);
        }
        catch
        {
            _discovered.TryRemove(KeyValuePair.Create(apiVersion, discovery));
            throw;
        }
    }

    private async Task<IReadOnlyDictionary<string, string>?> DiscoverAsync(string apiVersion, CancellationToken ct)
    {
        JsonNode list;
        try
        {
            list = await KubeHttp.GetJsonAsync(session, GroupVersionPath(apiVersion), "application/json", ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var byKind = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in list["resources"]?.AsArray() ?? [])
        {
            // Subresources (deployments/scale, pods/log) share their parent's kind; only the parent is an object.
            if (resource?["name"]?.GetValue<string>() is { } name && !name.Contains('/')
                && resource["kind"]?.GetValue<string>() is { } resourceKind)
            {
                byKind.TryAdd(resourceKind, name);
            }
        }

        return byKind;
    }

    public static string GroupVersionPath(string apiVersion) => apiVersion.Contains('/') ? $"apis/{apiVersion}" : $"api/{apiVersion}";
}

/// <summary>
/// The objects of one kind in one namespace to read: by name, and with <paramref name="ListAll"/> every object of the
/// kind there (for generateName hooks). <paramref name="MetadataOnly"/> reads metadata only (for kinds without status).
/// </summary>
internal sealed record KindQuery(string ApiVersion, string Kind, string? Namespace, IReadOnlyList<string> Names, bool ListAll, bool MetadataOnly)
{
    internal KindRead FailedAll(ReadFailure failure) =>
        new(Names.ToDictionary(n => n, _ => new ObjectRead(null, failure)), null, failure);

    /// <summary>A list's items (and metadata-only answers) do not say their kind; the rules read it.</summary>
    internal JsonObject Stamped(JsonObject live)
    {
        live["kind"] = Kind;
        live["apiVersion"] = ApiVersion;
        return live;
    }
}

/// <summary>What a <see cref="KindQuery"/> found: each named object, and every object of the kind when asked (or why not).</summary>
internal sealed record KindRead(IReadOnlyDictionary<string, ObjectRead> ByName, IReadOnlyList<JsonObject>? Listed, ReadFailure? ListFailure);

/// <summary>One object: found (<paramref name="Live"/>), missing (neither), or not read (<paramref name="Failure"/>).</summary>
internal sealed record ObjectRead(JsonObject? Live, ReadFailure? Failure);

/// <summary>Why objects could not be read: what was being done and the error, or that the kind is not served.</summary>
internal sealed record ReadFailure(string Doing, Exception? Error, bool NotServed = false);
