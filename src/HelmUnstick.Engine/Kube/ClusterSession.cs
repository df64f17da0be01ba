using HelmUnstick.Engine.Http;
using HelmUnstick.Engine.Unstick;
using k8s;
using k8s.Exceptions;

namespace HelmUnstick.Engine.Kube;

/// <summary>A connection to one cluster, chosen the way kubectl chooses it.</summary>
internal sealed class ClusterSession(Kubernetes client, string contextName, string defaultNamespace, string server) : IDisposable
{
    public Kubernetes Client { get; } = client;

    public string ContextName { get; } = contextName;

    public string DefaultNamespace { get; } = defaultNamespace;

    public string Server { get; } = server;

    /// <summary>
    /// <c>--kubeconfig</c>, then <c>$KUBECONFIG</c>, then <c>~/.kube/config</c>; in a pod without any of them,
    /// the in-cluster service account.
    /// </summary>
    public static ClusterSession Connect(KubeTarget target, HostEnvironment env)
    {
        var path = ExplicitKubeconfig(target, env);
        var defaultPath = DefaultKubeconfig(env);
        KubernetesClientConfiguration config;
        string contextName;
        try
        {
            if (path is null && !File.Exists(defaultPath) && KubernetesClientConfiguration.IsInCluster())
            {
                config = KubernetesClientConfiguration.InClusterConfig();
                contextName = "in-cluster";
            }
            else
            {
                path ??= defaultPath;
                if (!File.Exists(path))
                {
                    throw new EngineException(UnstickFailure.InvalidRequest,
                        $"kubeconfig {path} does not exist; pass --kubeconfig FILE or set KUBECONFIG");
                }

                var file = KubernetesClientConfiguration.LoadKubeConfig(path);
                contextName = target.Context ?? file.CurrentContext
                    ?? throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} has no current-context; pass --context NAME");
                if (file.Contexts?.Any(c => c.Name == contextName) != true)
                {
                    var known = string.Join(", ", file.Contexts?.Select(c => c.Name) ?? []);
                    throw new EngineException(UnstickFailure.InvalidRequest,
                        $"context \"{contextName}\" is not in kubeconfig {path} (contexts: {(known.Length > 0 ? known : "none")})");
                }

                config = KubernetesClientConfiguration.BuildConfigFromConfigObject(file, contextName);
            }
        }
        catch (KubeConfigException e)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path}: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path}: a certificate or key of context {target.Context ?? "(current)"} cannot be read: {e.Message}");
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} cannot be read: {e.Message.Split('\n')[0]}");
        }

        // The resilience pipeline owns every timeout (per attempt and per request), on the command's clock.
        var policy = KubeRetry.Policy(target.RequestTimeout is { } t && t > TimeSpan.Zero ? t : KubeRetry.DefaultRequestTimeout);
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        Kubernetes client;
        try
        {
            client = new Kubernetes(config, ResilientHttp.Handler(policy, env.Clock));
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path}: the certificates of context {contextName} cannot be loaded: {e.Message}");
        }

        return new ClusterSession(client, contextName, config.Namespace is { Length: > 0 } ns ? ns : "default", config.Host);
    }

    /// <summary><c>--kubeconfig</c>, else the first file in <c>$KUBECONFIG</c>, else null.</summary>
    public static string? ExplicitKubeconfig(KubeTarget target, HostEnvironment env) =>
        target.Kubeconfig ?? env.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    public static string DefaultKubeconfig(HostEnvironment env) => Path.Combine(env.HomeDirectory, ".kube", "config");

    public string NamespaceOr(string? flag) => flag is { Length: > 0 } ? flag : DefaultNamespace;

    public void Dispose() => Client.Dispose();
}

/// <summary>How patiently the API server is asked.</summary>
internal static class KubeRetry
{
    /// <summary>Short: an on-call engineer needs "unreachable" in seconds, not after 100.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Each attempt may take <paramref name="requestTimeout"/> (<c>--request-timeout</c>); a read is tried up to four
    /// times, and a stalled server gets two full attempts plus backoff before the operator hears about it.
    /// </summary>
    public static RetryPolicy Policy(TimeSpan requestTimeout) =>
        new(MaxRetries: 3, BaseDelay: TimeSpan.FromMilliseconds(250), MaxDelay: TimeSpan.FromSeconds(10), requestTimeout,
            TotalBudget: requestTimeout * 2 + TimeSpan.FromSeconds(10));
}

/// <summary>The flags kubectl users expect for choosing a cluster.</summary>
internal sealed record KubeTarget(string? Kubeconfig, string? Context, string? Namespace, TimeSpan? RequestTimeout = null);
