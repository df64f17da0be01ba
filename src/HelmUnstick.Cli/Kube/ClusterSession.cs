using k8s;
using k8s.Exceptions;

namespace HelmUnstick.Cli.Kube;

/// <summary>A connection to one cluster, chosen the way kubectl chooses it.</summary>
internal sealed class ClusterSession : IDisposable
{
    private ClusterSession(Kubernetes client, string contextName, string defaultNamespace, string server)
    {
        Client = client;
        ContextName = contextName;
        DefaultNamespace = defaultNamespace;
        Server = server;
    }

    public Kubernetes Client { get; }

    public string ContextName { get; }

    public string DefaultNamespace { get; }

    public string Server { get; }

    /// <summary>How long one request may take (<c>--request-timeout</c>).</summary>
    public TimeSpan RequestTimeout { get; private init; }

    /// <summary>
    /// <c>--kubeconfig</c>, then <c>$KUBECONFIG</c>, then <c>~/.kube/config</c>; in a pod without any of them,
    /// the in-cluster service account.
    /// </summary>
    public static ClusterSession Connect(KubeTarget target, CliEnvironment env)
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
                    throw new CliException(ExitCodes.Usage,
                        $"kubeconfig {path} does not exist; pass --kubeconfig FILE or set KUBECONFIG");
                }

                var file = KubernetesClientConfiguration.LoadKubeConfig(path);
                contextName = target.Context ?? file.CurrentContext
                    ?? throw new CliException(ExitCodes.Usage, $"kubeconfig {path} has no current-context; pass --context NAME");
                if (file.Contexts?.Any(c => c.Name == contextName) != true)
                {
                    var known = string.Join(", ", file.Contexts?.Select(c => c.Name) ?? []);
                    throw new CliException(ExitCodes.Usage,
                        $"context \"{contextName}\" is not in kubeconfig {path} (contexts: {(known.Length > 0 ? known : "none")})");
                }

                config = KubernetesClientConfiguration.BuildConfigFromConfigObject(file, contextName);
            }
        }
        catch (KubeConfigException e)
        {
            throw new CliException(ExitCodes.Usage, $"kubeconfig {path}: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException(ExitCodes.Usage, $"kubeconfig {path}: a certificate or key of context {target.Context ?? "(current)"} cannot be read: {e.Message}");
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"kubeconfig {path} cannot be read: {e.Message.Split('\n')[0]}");
        }

        // Short timeouts: an on-call engineer needs "unreachable" in seconds, not after 100.
        config.HttpClientTimeout = target.RequestTimeout is { } t && t > TimeSpan.Zero ? t : TimeSpan.FromSeconds(30);
        Kubernetes client;
        try
        {
            client = new Kubernetes(config);
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new CliException(ExitCodes.Usage, $"kubeconfig {path}: the certificates of context {contextName} cannot be loaded: {e.Message}");
        }

        return new ClusterSession(client, contextName, config.Namespace is { Length: > 0 } ns ? ns : "default", config.Host)
        {
            RequestTimeout = config.HttpClientTimeout,
        };
    }

    /// <summary><c>--kubeconfig</c>, else the first file in <c>$KUBECONFIG</c>, else null.</summary>
    public static string? ExplicitKubeconfig(KubeTarget target, CliEnvironment env) =>
        target.Kubeconfig ?? env.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    public static string DefaultKubeconfig(CliEnvironment env) => Path.Combine(env.HomeDirectory, ".kube", "config");

    public string NamespaceOr(string? flag) => flag is { Length: > 0 } ? flag : DefaultNamespace;

    public void Dispose() => Client.Dispose();
}

/// <summary>The flags kubectl users expect for choosing a cluster.</summary>
internal sealed record KubeTarget(string? Kubeconfig, string? Context, string? Namespace, TimeSpan? RequestTimeout = null);
