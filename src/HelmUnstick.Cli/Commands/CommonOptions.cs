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
        HelpName = "FILE",
        Description = "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config; in a pod, the service account)",
        Recursive = true,
    };

    public Option<string?> Context { get; } = new("--context")
    {
        HelpName = "NAME",
        Description = "The kubeconfig context to use (default: its current-context)",
        Recursive = true,
    };

    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        HelpName = "NAMESPACE",
        Description = "The release's namespace (default: the context's namespace, else \"default\")",
        Recursive = true,
    };

    public Option<TimeSpan?> RequestTimeout { get; } = new("--request-timeout")
    {
        HelpName = "DURATION",
        Description = "How long one API request may take before it counts as failed (Go duration; default 30s)",
        Recursive = true,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero)
            {
                return value;
            }

            r.AddError($"--request-timeout: '{text}' is not a positive duration; use Go's form, for example 30s");
            return null;
        },
    };

    public KubeTarget Target(ParseResult result) =>
        new(result.GetValue(Kubeconfig), result.GetValue(Context), result.GetValue(Namespace), result.GetValue(RequestTimeout));

    public static Option<string> Output() => new Option<string>("--output", "-o")
    {
        Description = "Output format: table or json",
        DefaultValueFactory = _ => "table",
    }.AcceptOnlyFromAmong("table", "json");

    public static Option<TimeSpan?> StaleAfter() => new("--stale-after")
    {
        Description = "A pending revision younger than this may belong to a live helm process and is not touched without --force (Go duration: 0s, 90s, 15m, 1h; default 15m)",
        HelpName = "DURATION",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (GoDuration.TryParse(text, out var value))
            {
                return value;
            }

            r.AddError($"--stale-after: '{text}' is not a duration; use Go's form, for example 90s, 15m or 1h");
            return null;
        },
    };

    /// <summary>The staleness threshold given, or the default (never zero by omission: zero means "all stale").</summary>
    public static TimeSpan StaleAfterValue(ParseResult result, Option<TimeSpan?> option) =>
        result.GetValue(option) ?? StuckReleaseRule.DefaultStaleAfter;

    public static Argument<string> Release()
    {
        var release = new Argument<string>("RELEASE") { Description = "The Helm release name" };

        // Helm's own rule; it also keeps a name from smuggling extra terms into the label selector.
        release.Validators.Add(r =>
        {
            var name = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (name.Length > 53 || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"))
            {
                r.AddError($"'{name}' is not a Helm release name (lowercase letters, digits, '-' and '.', at most 53 characters)");
            }
        });
        return release;
    }
}
