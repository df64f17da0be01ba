using HelmUnstick.Engine.Kube;
using k8s;

namespace HelmUnstick.TestSupport;

/// <summary>A cluster session that names a cluster for the engine's messages and backups but is never connected to.</summary>
internal static class InMemoryCluster
{
    public const string Server = "https://in-memory.invalid";

    public const string Context = "in-memory";

    public static ClusterSession Session(string defaultNamespace) =>
        new(new Kubernetes(new KubernetesClientConfiguration { Host = Server }), Context, defaultNamespace, Server);
}
