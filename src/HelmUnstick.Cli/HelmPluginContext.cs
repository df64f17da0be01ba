namespace HelmUnstick.Cli;

/// <summary>
/// Run as the Helm plugin <c>helm unstick</c>, helm has parsed its own global flags (<c>--kube-context</c>,
/// <c>-n/--namespace</c>, <c>--kubeconfig</c>) before starting the plugin and passes them in the environment:
/// HELM_KUBECONTEXT, HELM_NAMESPACE, KUBECONFIG (and HELM_DRIVER as given). Helm sets HELM_PLUGIN_NAME for its
/// plugins; without it (the standalone helm-unstick) none of this applies. Empty values mean "not set".
/// </summary>
internal sealed record HelmPluginContext(string? KubeContext, string? Namespace)
{
    /// <summary>Helm's flags that choose a cluster or an identity outside the kubeconfig, with the variables helm passes them in.</summary>
    private static readonly (string Variable, string Flag)[] UnsupportedConnectionFlags =
    [
        ("HELM_KUBEAPISERVER", "--kube-apiserver"),
        ("HELM_KUBETOKEN", "--kube-token"),
        ("HELM_KUBEASUSER", "--kube-as-user"),
        ("HELM_KUBEASGROUPS", "--kube-as-group"),
        ("HELM_KUBECAFILE", "--kube-ca-file"),
        ("HELM_KUBETLS_SERVER_NAME", "--kube-tls-server-name"),
    ];

    /// <summary>The context helm passes, or null when not run by helm as a plugin.</summary>
    public static HelmPluginContext? From(Func<string, string?> getEnvironmentVariable)
    {
        if (getEnvironmentVariable("HELM_PLUGIN_NAME") is not { Length: > 0 })
        {
            return null;
        }

        // Ignoring these would talk to another cluster, or as another user, than the helm command line says.
        foreach (var (variable, flag) in UnsupportedConnectionFlags)
        {
            if (getEnvironmentVariable(variable) is { Length: > 0 })
            {
                throw Unsupported(flag, variable);
            }
        }

        if (getEnvironmentVariable("HELM_KUBEINSECURE_SKIP_TLS_VERIFY") == "true")
        {
            throw Unsupported("--kube-insecure-skip-tls-verify", "HELM_KUBEINSECURE_SKIP_TLS_VERIFY");
        }

        return new HelmPluginContext(NotEmpty(getEnvironmentVariable("HELM_KUBECONTEXT")), NotEmpty(getEnvironmentVariable("HELM_NAMESPACE")));
    }

    private static CliException Unsupported(string flag, string variable) => new(ExitCodes.Usage,
        $"helm's {flag} (${variable}) is not supported by helm unstick: put the server and credentials in a kubeconfig context and pass --kube-context NAME");

    private static string? NotEmpty(string? value) => value is { Length: > 0 } ? value : null;
}
