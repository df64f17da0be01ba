using HelmUnstick.Core.Credentials;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Http;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Unstick;
using k8s;
using k8s.Exceptions;

namespace HelmUnstick.Engine.Kube;

/// <summary>A connection to one cluster, chosen the way kubectl chooses it.</summary>
/// <param name="server">The API server's URL, without the user info a kubeconfig may put in it.</param>
/// <param name="secrets">The run's redaction, which knows this session's credentials (a session never connected to has none).</param>
internal sealed class ClusterSession(Kubernetes client, string contextName, string defaultNamespace, string server, Redactor? secrets = null) : IDisposable
{
    public Kubernetes Client { get; } = client;

    public string ContextName { get; } = contextName;

    public string DefaultNamespace { get; } = defaultNamespace;

    public string Server { get; } = server;

    public Redactor Secrets { get; } = secrets ?? new Redactor();

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
                var file = LoadKubeconfig(path);
                contextName = target.Context ?? file.CurrentContext
                    ?? throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} has no current-context; pass --context NAME");
                if (file.Contexts?.Any(c => c.Name == contextName) != true)
                {
                    var known = string.Join(", ", file.Contexts?.Select(c => c.Name) ?? []);
                    throw new EngineException(UnstickFailure.InvalidRequest,
                        $"context \"{contextName}\" is not in kubeconfig {path} (contexts: {(known.Length > 0 ? known : "none")})");
                }

                var tokenFile = CheckContext(file, contextName, path);
                config = KubernetesClientConfiguration.BuildConfigFromConfigObject(file, contextName);
                if (tokenFile is not null)
                {
                    // As kubectl: the token is read from the file again when it may have been rotated.
                    config.TokenProvider = new k8s.Authentication.TokenFileAuth(tokenFile);
                }
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

        RememberCredentials(config, env.Secrets);

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

        return new ClusterSession(client, contextName, config.Namespace is { Length: > 0 } ns ? ns : "default", ServerUrl.WithoutUserInfo(config.Host), env.Secrets);
    }

    /// <summary>The names of the contexts in the kubeconfig that <see cref="Connect"/> reads, in the file's order.</summary>
    public static IReadOnlyList<string> ContextNames(KubeTarget target, HostEnvironment env)
    {
        var path = ExplicitKubeconfig(target, env) ?? DefaultKubeconfig(env);
        try
        {
            return LoadKubeconfig(path).Contexts.Select(c => c.Name).ToList();
        }
        catch (Exception e) when (e is KubeConfigException or YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} cannot be read: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>The kubeconfig at <paramref name="path"/>, refused in one line when it is missing or holds no context.</summary>
    private static k8s.KubeConfigModels.K8SConfiguration LoadKubeconfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} does not exist; pass --kubeconfig FILE or set KUBECONFIG");
        }

        // KubernetesClient fails on an empty file with a NullReferenceException, on a plain YAML scalar with an
        // InvalidCastException, and loads one without contexts as if it were fine.
        var text = File.ReadAllText(path);
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} is a binary file, not a kubeconfig; pass --kubeconfig FILE or set KUBECONFIG");
        }

        k8s.KubeConfigModels.K8SConfiguration? file;
        try
        {
            file = string.IsNullOrWhiteSpace(text) ? null : KubernetesClientConfiguration.LoadKubeConfig(path);
        }
        catch (Exception e) when (e is InvalidCastException || (e is YamlDotNet.Core.YamlException && e is not YamlDotNet.Core.SyntaxErrorException))
        {
            throw new EngineException(UnstickFailure.InvalidRequest,
                $"kubeconfig {path} is not a kubeconfig (a YAML mapping with clusters, contexts and users); pass --kubeconfig FILE or set KUBECONFIG");
        }

        return file is { Contexts: { } contexts } && contexts.Any()
            ? file
            : throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path} has no contexts; pass --kubeconfig FILE with at least one, or set KUBECONFIG");
    }

    /// <summary>Every credential the connection carries, so that no output shows it (an API error echoing a token included).</summary>
    private static void RememberCredentials(KubernetesClientConfiguration config, Redactor secrets)
    {
        secrets.Add(config.AccessToken);
        secrets.Add(config.Password);
        secrets.Add(config.ClientCertificateKeyData);
        if (config.ClientKeyFilePath is { Length: > 0 } keyFile && File.Exists(keyFile))
        {
            secrets.Add(File.ReadAllText(keyFile));
        }

        if (Uri.TryCreate(config.Host, UriKind.Absolute, out var server) && server.UserInfo is { Length: > 0 } userInfo)
        {
            secrets.Add(userInfo);
            secrets.Add(Uri.UnescapeDataString(userInfo[(userInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]));
        }
    }

    /// <summary>
    /// The context's cluster and user must be in the file (KubernetesClient names neither when they are not). A user
    /// with only a <c>tokenFile</c> (which KubernetesClient refuses) gets the file's token, as kubectl reads it:
    /// a relative path is relative to the kubeconfig. Returns that token file's full path, or null.
    /// </summary>
    private static string? CheckContext(k8s.KubeConfigModels.K8SConfiguration file, string contextName, string path)
    {
        var context = file.Contexts.First(c => c.Name == contextName).ContextDetails;
        string Missing(string what, string? name, IEnumerable<string>? known) =>
            $"kubeconfig {path}: context \"{contextName}\" " +
            (name is { Length: > 0 } ? $"names {what} \"{name}\", which is not in the file" : $"names no {what}") +
            $" ({what}s: {(known?.Any() == true ? string.Join(", ", known) : "none")}); fix the context or pass another --context";
        if (context?.Cluster is not { Length: > 0 } clusterName || file.Clusters?.Any(c => c.Name == clusterName) != true)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, Missing("cluster", context?.Cluster, file.Clusters?.Select(c => c.Name)));
        }

        if (context.User is not { Length: > 0 } userName)
        {
            return null;
        }

        var user = file.Users?.FirstOrDefault(u => u.Name == userName)
            ?? throw new EngineException(UnstickFailure.InvalidRequest, Missing("user", userName, file.Users?.Select(u => u.Name)));
        if (user.UserCredentials is { Token: { Length: > 0 } } || TokenFileOf(path, userName) is not { } tokenFile)
        {
            return null;
        }

        var credentials = user.UserCredentials ??= new k8s.KubeConfigModels.UserCredentials();

        var fullPath = Path.GetFullPath(tokenFile, Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            credentials.Token = File.ReadAllText(fullPath).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path}: the tokenFile {fullPath} of user \"{userName}\" cannot be read: {e.Message}");
        }

        return credentials.Token.Length > 0
            ? fullPath
            : throw new EngineException(UnstickFailure.InvalidRequest, $"kubeconfig {path}: the tokenFile {fullPath} of user \"{userName}\" is empty");
    }

    /// <summary>The <c>tokenFile</c> of user <paramref name="userName"/>, which KubernetesClient's model does not read.</summary>
    private static string? TokenFileOf(string path, string userName)
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return yaml.Documents[0].RootNode is YamlDotNet.RepresentationModel.YamlMappingNode root
               && root.Children.TryGetValue("users", out var users) && users is YamlDotNet.RepresentationModel.YamlSequenceNode list
            ? list.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
                .Where(u => u.Children.TryGetValue("name", out var name) && name.ToString() == userName)
                .Select(u => u.Children.TryGetValue("user", out var details) && details is YamlDotNet.RepresentationModel.YamlMappingNode d
                             && d.Children.TryGetValue("tokenFile", out var file) && file.ToString() is { Length: > 0 } value ? value : null)
                .FirstOrDefault()
            : null;
    }

    /// <summary><c>--kubeconfig</c>, else the first file in <c>$KUBECONFIG</c>, else null.</summary>
    public static string? ExplicitKubeconfig(KubeTarget target, HostEnvironment env) =>
        target.Kubeconfig ?? env.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    public static string DefaultKubeconfig(HostEnvironment env) => Path.Combine(env.HomeDirectory, ".kube", "config");

    /// <summary>
    /// <c>-n</c>, else the context's namespace; refused unless it is a namespace name, before it reaches a URL path
    /// (<c>x/../other</c> would act on another namespace, <c>ns?x=1</c> on a query).
    /// </summary>
    public string NamespaceOr(string? flag)
    {
        var ns = flag is { Length: > 0 } ? flag : DefaultNamespace;
        return KubernetesNames.NamespaceProblem(ns) is { } problem
            ? throw new EngineException(UnstickFailure.InvalidRequest, $"{(ReferenceEquals(ns, flag) ? "-n" : $"the namespace of context {ContextName}")}: {problem}")
            : ns;
    }

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
