using System.CommandLine;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Core;
using HelmUnstick.Core.Diagnosis;

namespace HelmUnstick.Cli.Commands;

/// <summary>The kubectl-style flags shared by every command that talks to a cluster.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config; in a pod, the service account)",
        Recursive = true,
    };

    public Option<string?> Context { get; } = new("--context")
    {
        Description = "The kubeconfig context to use (default: its current-context)",
        Recursive = true,
    };

    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "The release's namespace (default: the context's namespace, else \"default\")",
        Recursive = true,
    };

    public KubeTarget Target(ParseResult result) =>
        new(result.GetValue(Kubeconfig), result.GetValue(Context), result.GetValue(Namespace));

    public static Option<string> Output() => new Option<string>("--output", "-o")
    {
        Description = "Output format: table or json",
        DefaultValueFactory = _ => "table",
    }.AcceptOnlyFromAmong("table", "json");

    public static Option<TimeSpan> StaleAfter() => new("--stale-after")
    {
        Description = "A pending revision younger than this may belong to a live helm process and is not touched without --force (Go duration: 0s, 90s, 15m, 1h)",
        DefaultValueFactory = _ => StuckReleaseRule.DefaultStaleAfter,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (GoDuration.TryParse(text, out var value))
            {
                return value;
            }

            r.AddError($"--stale-after: '{text}' is not a duration; use Go's form, for example 90s, 15m or 1h");
            return default;
        },
    };

    public static Argument<string> Release() => new("RELEASE") { Description = "The Helm release name" };
}
