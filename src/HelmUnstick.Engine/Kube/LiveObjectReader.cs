using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Explain;
using k8s.Autorest;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Reads the live object behind each resource of a release's manifests, whatever its kind, with a raw GET on its
/// REST path. Well-known kinds map to their resource name directly; any other kind is looked up once per group
/// version through discovery, as kubectl does. <paramref name="reading"/> hears how many of how many objects have been
/// read, before each read.
/// </summary>
internal sealed class LiveObjectReader(ClusterSession session, Action<int, int>? reading = null)
{
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

    // Null: the API server does not serve that group version, so no object of it can exist.
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>?> _discovered = new(StringComparer.Ordinal);

    /// <summary>The live object of every resource that exists; a resource absent from the result is missing.</summary>
    public async Task<IReadOnlyDictionary<ResourceKey, JsonObject>> ReadAsync(IEnumerable<ResourceDiff> resources, CancellationToken ct)
    {
        var live = new Dictionary<ResourceKey, JsonObject>();
        var all = resources.ToList();
        for (var i = 0; i < all.Count; i++)
        {
            reading?.Invoke(i, all.Count);
            var resource = all[i];
            var apiVersion = (resource.Stuck ?? resource.Previous)!.ApiVersion;
            if (await ReadAsync(resource.Key, apiVersion, ct) is { } found)
            {
                live[resource.Key] = found;
            }
        }

        return live;
    }

    /// <summary>The live object, or null when it does not exist (404, or its kind is not served).</summary>
    public async Task<JsonObject?> ReadAsync(ResourceKey key, string apiVersion, CancellationToken ct)
    {
        var doing = $"reading {key.Kind} {(key.Namespace is null ? key.Name : $"{key.Namespace}/{key.Name}")} ({apiVersion})";
        try
        {
            var plural = await ResourceNameAsync(apiVersion, key.Kind, ct);
            if (plural is null)
            {
                return null;
            }

            var path = $"{GroupVersionPath(apiVersion)}/"
                       + (key.Namespace is null ? "" : $"namespaces/{Uri.EscapeDataString(key.Namespace)}/")
                       + $"{plural}/{Uri.EscapeDataString(key.Name)}";
            return await KubeHttp.GetJsonAsync(session, path, "application/json", ct) as JsonObject;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is not EngineException && !KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, doing);
        }
    }

    private async Task<string?> ResourceNameAsync(string apiVersion, string kind, CancellationToken ct) =>
        WellKnownResources.TryGetValue((apiVersion, kind), out var known) ? known : await ServedResourceNameAsync(apiVersion, kind, ct);

    /// <summary>
    /// The resource (plural) serving a kind as discovery reports it, or null when the API server does not serve it:
    /// for checks that must tell "not served" from "not found", even for well-known kinds.
    /// </summary>
    public async Task<string?> ServedResourceNameAsync(string apiVersion, string kind, CancellationToken ct)
    {
        if (!_discovered.TryGetValue(apiVersion, out var byKind))
        {
            byKind = await DiscoverAsync(apiVersion, ct);
            _discovered[apiVersion] = byKind;
        }

        return byKind?.GetValueOrDefault(kind);
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
