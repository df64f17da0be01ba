using HelmUnstick.Core.Releases;
using k8s;

namespace HelmUnstick.Engine.Kube;

/// <summary>The names a shell completes from the kubeconfig and the cluster: contexts, namespaces, releases.</summary>
internal static class ClusterNames
{
    /// <summary>The kubeconfig's context names (the file alone; no cluster is asked).</summary>
    public static IReadOnlyList<string> Contexts(KubeTarget target, HostEnvironment env)
    {
        var path = ClusterSession.ExplicitKubeconfig(target, env) ?? ClusterSession.DefaultKubeconfig(env);
        return KubernetesClientConfiguration.LoadKubeConfig(path).Contexts?.Select(c => c.Name).ToList() ?? [];
    }

    /// <summary>Namespace names, from one metadata-only list.</summary>
    public static async Task<IReadOnlyList<string>> NamespacesAsync(ClusterSession session, CancellationToken ct)
    {
        var list = await KubeHttp.GetJsonAsync(session, "api/v1/namespaces?limit=1000", KubeReleaseStore.MetadataOnlyAccept, ct);
        return (list["items"]?.AsArray() ?? []).Select(item => item?["metadata"]?["name"]?.GetValue<string>()).OfType<string>().ToList();
    }

    /// <summary>Release names in a namespace; when <paramref name="ct"/> ends the list early, the names found so far.</summary>
    public static async Task<IReadOnlyCollection<string>> ReleasesAsync(ClusterSession session, StorageDriver driver, string ns, CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var listed in new KubeReleaseStore(session, driver).ListMetadataAsync(ns, KubeReleaseStore.HelmOwnerSelector, 500, ct))
            {
                if (listed.Labels.TryGetValue("name", out var name))
                {
                    names.Add(name);
                }
            }
        }
        catch (OperationCanceledException) when (names.Count > 0)
        {
            // Out of time on a namespace with very many Secrets: the names found so far are still worth offering.
        }

        return names;
    }
}
