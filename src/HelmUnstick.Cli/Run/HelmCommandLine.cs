namespace HelmUnstick.Cli.Run;

/// <summary>What a helm command line says about the release it works on. Values and files are never kept.</summary>
/// <param name="Subcommand">upgrade, install, rollback, uninstall...</param>
/// <param name="Chart">The chart reference of install and upgrade.</param>
internal sealed record HelmInvocation(string Subcommand, string? Release, string? Namespace, string? KubeContext, string? Kubeconfig, string? Chart)
{
    /// <summary>What the Lease records as the command: the subcommand and the chart reference only.</summary>
    public string Summary => Chart is null ? Subcommand : $"{Subcommand} {Chart}";
}

/// <summary>
/// Reads helm's own arguments the way helm does: global and subcommand flags anywhere, <c>--flag value</c> and
/// <c>--flag=value</c>, positionals RELEASE then CHART; <c>HELM_NAMESPACE</c> and <c>HELM_KUBECONTEXT</c> when no
/// flag names them.
/// </summary>
internal static class HelmCommandLine
{
    /// <summary>helm's flags that take a value as the next argument; every other flag is a switch.</summary>
    private static readonly HashSet<string> ValueFlags =
    [
        "-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set", "--set-string", "--set-file",
        "--set-json", "--set-literal", "--version", "--timeout", "--repo", "--username", "--password", "--ca-file",
        "--cert-file", "--key-file", "--keyring", "--post-renderer", "--post-renderer-args", "--description",
        "--history-max", "--max-history", "--kube-apiserver", "--kube-as-user", "--kube-as-group", "--kube-ca-file",
        "--kube-token", "--kube-tls-server-name", "--registry-config", "--repository-cache", "--repository-config",
        "--burst-limit", "--qps", "-l", "--labels", "-o", "--output", "--cascade", "--name-template", "-a",
        "--api-versions", "--kube-version", "--content-cache",
    ];

    /// <summary>Subcommands whose first positional argument is a release.</summary>
    private static readonly HashSet<string> ReleaseSubcommands = ["upgrade", "install", "rollback", "uninstall", "delete", "del", "un", "status", "test"];

    /// <summary>Null when COMMAND is not helm itself (a script, make): then <c>--release</c> and <c>-n</c> say what it deploys.</summary>
    public static HelmInvocation? Parse(IReadOnlyList<string> command, Func<string, string?> environment)
    {
        if (command.Count == 0 || !Path.GetFileName(command[0]).StartsWith("helm", StringComparison.Ordinal))
        {
            return null;
        }

        var positionals = new List<string>();
        var flags = new Dictionary<string, string>();
        var generateName = false;
        for (var i = 1; i < command.Count; i++)
        {
            var arg = command[i];
            if (arg == "--")
            {
                positionals.AddRange(command.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                positionals.Add(arg);
                continue;
            }

            var (name, value) = arg.IndexOf('=') is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            if (name is "-g" or "--generate-name")
            {
                generateName = true;
            }

            if (value is null && ValueFlags.Contains(name) && i + 1 < command.Count)
            {
                value = command[++i];
            }
            else if (value is null && name.Length > 2 && name[1] != '-' && ValueFlags.Contains(name[..2]))
            {
                // -nteam-a: a short flag with its value attached.
                value = name[2..];
                name = name[..2];
            }

            if (value is not null)
            {
                flags[name] = value;
            }
        }

        var subcommand = positionals.Count > 0 ? positionals[0] : "";
        var operands = positionals.Skip(1).ToList();
        var installLike = subcommand is "upgrade" or "install";
        var release = ReleaseSubcommands.Contains(subcommand) && !(subcommand == "install" && generateName) && operands.Count > 0 ? operands[0] : null;
        var chart = installLike ? operands.Skip(release is null ? 0 : 1).FirstOrDefault() : null;
        return new HelmInvocation(
            subcommand,
            release,
            Flag(flags, "-n", "--namespace") ?? NonEmpty(environment("HELM_NAMESPACE")),
            Flag(flags, null, "--kube-context") ?? NonEmpty(environment("HELM_KUBECONTEXT")),
            Flag(flags, null, "--kubeconfig"),
            chart);
    }

    private static string? Flag(Dictionary<string, string> flags, string? shortName, string longName) =>
        flags.TryGetValue(longName, out var value) || (shortName is not null && flags.TryGetValue(shortName, out value)) ? NonEmpty(value) : null;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
