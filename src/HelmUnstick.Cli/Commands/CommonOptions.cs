using HelmUnstick.Core;

namespace HelmUnstick.Cli.Commands;

/// <summary>The flags every command shares: kubectl's for choosing a cluster, and how much and how plainly to print.</summary>
/// <param name="env">As a Helm plugin, helm's own flags arrive in the environment and fill what the command line leaves open.</param>
internal sealed class CommonOptions(CliEnvironment env)
{
    public Option<string?> Kubeconfig { get; } = EveryCommand(
        "--kubeconfig", "FILE", "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config; in a pod, the service account)");

    public Option<string?> Context { get; } = EveryCommand(
        "--context", "NAME", "The kubeconfig context to use (default: its current-context); scan takes several: --context a,b");

    public Option<string?> Namespace { get; } = EveryCommand(
        "--namespace", "NAMESPACE", "The release's namespace (default: the context's namespace, else \"default\")", "-n");

    public Option<TimeSpan?> RequestTimeout { get; } = Duration(
        "--request-timeout",
        "How long one API request may take before it counts as failed (Go duration; default 30s)",
        "30s",
        positive: true,
        recursive: true);

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Print every piece of evidence, not only the decision and what it rests on",
        Recursive = true,
    };

    public const string NoColorName = "--no-color";

    public Option<bool> NoColor { get; } = new(NoColorName)
    {
        Description = "No colour or status marks, even on a terminal (also: the NO_COLOR environment variable)",
        Recursive = true,
    };

    public Option<string?> Driver { get; } = EveryCommand(
        "--driver", "secret|configmap", "Helm's storage driver: where the release revisions are (default: $HELM_DRIVER, else secret, as Helm does; sql is not supported)");

    /// <summary><c>--driver</c>, else <c>$HELM_DRIVER</c>, else Secrets, as Helm chooses; SQL and memory are refused with what to do.</summary>
    public StorageDriver DriverOf(ParseResult result, CliEnvironment env)
    {
        var (name, source) = result.GetValue(Driver) is { } flag ? (flag, "--driver") : (env.GetEnvironmentVariable("HELM_DRIVER"), "$HELM_DRIVER");
        return StorageDrivers.TryParse(name, out var driver)
            ? driver
            : throw new CliException(ExitCodes.Usage,
                $"{source} '{name}' is not supported: helm-unstick works on the secret and configmap drivers; for sql, follow the runbook " +
                "by hand on the releases_v1 table: back up the release's newest row, then delete it (or set its status and body to failed)");
    }

    /// <summary>
    /// The cluster chosen by the flags; as <c>helm unstick</c>, helm's <c>--kube-context</c> and <c>-n</c> where the
    /// flags are silent. One context only: the commands that take this read or change one cluster.
    /// </summary>
    public KubeTarget Target(ParseResult result)
    {
        var context = result.GetValue(Context);
        if (context?.Contains(',', StringComparison.Ordinal) == true)
        {
            throw new CliException(ExitCodes.Usage,
                $"--context '{context}' names several contexts; {result.CommandResult.Command.Name} works on one cluster at a time: give one context (scan takes several)");
        }

        var target = FleetTarget(result);
        return target with { Context = context ?? HelmPluginContext.From(env.GetEnvironmentVariable)?.KubeContext };
    }

    /// <summary>The kubeconfig, namespace and timeout for every cluster of <c>scan --context a,b</c>; the context is left to the caller.</summary>
    public KubeTarget FleetTarget(ParseResult result) =>
        new(result.GetValue(Kubeconfig), null, result.GetValue(Namespace) ?? HelmPluginContext.From(env.GetEnvironmentVariable)?.Namespace, result.GetValue(RequestTimeout));

    /// <summary>Connects the way kubectl does and picks the namespace: <c>-n</c>, else the context's, else "default".</summary>
    public (ClusterSession Session, string Namespace) Connect(ParseResult result, CliEnvironment env)
    {
        var target = Target(result);
        var session = ClusterSession.Connect(target, env);
        return (session, session.NamespaceOr(target.Namespace));
    }

    /// <summary>
    /// Makes <paramref name="body"/> the action of a command about one cluster: connected as by <see cref="Connect"/>, the
    /// session closed after, and every failure one line and an exit code.
    /// </summary>
    public void SetClusterAction(Command command, Func<ParseResult, ClusterSession, string, CancellationToken, Task<int>> body) =>
        command.SetAction((result, ct) => CliApp.RunAsync(env, async () =>
        {
            var (session, ns) = Connect(result, env);
            using (session)
            {
                return await body(result, session, ns, ct);
            }
        }, ct));

    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>The namespace of the pod this runs in, from its service account; null outside a pod.</summary>
    /// <summary>Whether <c>--apply</c> was given; without a terminal to confirm on, it needs <c>--yes</c>.</summary>
    /// <exception cref="CliException">--apply without --yes and without a terminal.</exception>
    public static bool ApplyAsked(ParseResult result, Option<bool> apply, Option<bool> yes, CliEnvironment env)
    {
        var asked = result.GetValue(apply);
        if (asked && !result.GetValue(yes) && !env.IsInteractive)
        {
            throw new CliException(ExitCodes.Usage, "--apply without a terminal needs --yes; nothing was changed");
        }

        return asked;
    }

    public static string? PodNamespace() =>
        File.Exists(ServiceAccountNamespaceFile) && File.ReadAllText(ServiceAccountNamespaceFile).Trim() is { Length: > 0 } ns ? ns : null;

    /// <summary>RELEASE: one instance for every command about one release (check, fix, explain, history).</summary>
    public Argument<string> Release { get; } = ReleaseArgument();

    /// <summary><c>-o table|json</c> of the commands about one release.</summary>
    public Option<OutputFormat> ReleaseOutput { get; } = Output();

    public string ReleaseOf(ParseResult result) => result.GetValue(Release)!;

    public bool WantsJson(ParseResult result) => result.GetValue(ReleaseOutput) == OutputFormat.Json;

    public static Option<OutputFormat> Output() => Choice("--output", "Output format: table or json", OutputFormat.Table,
        [(OutputFormat.Table, "table"), (OutputFormat.Json, "json")], alias: "-o");

    /// <summary><c>--strategy delete|mark-failed</c>: how a stuck revision is taken out of Helm's way.</summary>
    public static Option<RemediationStrategy> Strategy(RemediationStrategy defaultValue) => Choice(
        "--strategy",
        "delete: delete the stuck revision's Secret (the runbook's way; Helm is then one revision behind). " +
        "mark-failed: set its payload and status label to failed (the revision stays in the history)",
        defaultValue,
        StrategyNames.All.Select(s => (s, StrategyNames.Of(s))).ToArray());

    /// <summary>A flag with a value that every command takes, as kubectl's global flags.</summary>
    private static Option<string?> EveryCommand(string name, string helpName, string description, params string[] aliases) =>
        new(name, aliases) { HelpName = helpName, Description = description, Recursive = true };

    /// <summary>An option whose values are an enum's members under the names users type.</summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue, (T Value, string Name)[] choices, string? alias = null)
        where T : struct, Enum
    {
        var option = alias is null ? new Option<T>(name) : new Option<T>(name, alias);
        option.Description = description;
        option.DefaultValueFactory = _ => defaultValue;
        // Unknown names are reported by the AcceptOnlyFromAmong validator; the parser only maps the known ones.
        option.CustomParser = r => choices.Where(c => r.Tokens.Count > 0 && c.Name == r.Tokens[0].Value).Select(c => c.Value).FirstOrDefault(defaultValue);
        return option.AcceptOnlyFromAmong(choices.Select(c => c.Name).ToArray());
    }

    public static Option<TimeSpan?> StaleAfter() => Duration(
        "--stale-after",
        "A write to the pending revision or to any object of it more recent than this is a sign of a live helm process " +
        "(newest managedFields time, the release Secret's own times; Go duration: 0s turns this sign off, 90s, 15m, 1h; default 15m)",
        "90s, 15m or 1h");

    public static Option<TimeSpan?> HelmTimeout() => Duration(
        "--helm-timeout",
        $"The --timeout your deploys pass to helm (Go duration; default 5m): {LivenessText.WindowRule}",
        "5m or 1h");

    /// <summary>An option that takes a Go duration (<c>90s</c>, <c>15m</c>), refused at parse time when it is not one.</summary>
    public static Option<TimeSpan?> Duration(string name, string description, string example, bool positive = false, bool recursive = false, string? alias = null)
    {
        var option = alias is null ? new Option<TimeSpan?>(name) : new Option<TimeSpan?>(name, alias);
        option.Description = description;
        option.HelpName = "DURATION";
        option.Recursive = recursive;
        option.CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (GoDuration.TryParse(text, out var value) && (!positive || value > TimeSpan.Zero))
            {
                return value;
            }

            r.AddError($"{name}: '{text}' is not a {(positive ? "positive " : "")}duration; use Go's form, for example {example}");
            return null;
        };
        return option;
    }

    /// <summary>The value of an option that takes a whole number of at least <paramref name="minimum"/>, refused at parse time in words.</summary>
    /// <param name="tooSmall">What to say of a number below the minimum, when there is more to say than the minimum.</param>
    public static int? WholeNumber(System.CommandLine.Parsing.ArgumentResult r, string name, int minimum, string? tooSmall = null)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        var isNumber = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value);
        if (isNumber && value >= minimum)
        {
            return value;
        }

        r.AddError($"{name}: '{text}' {(isNumber && tooSmall is not null ? tooSmall : $"is not a whole number of at least {minimum}")}");
        return null;
    }

    /// <summary>The staleness threshold given, or the default (never zero by omission: zero means "all stale").</summary>
    public static TimeSpan StaleAfterValue(ParseResult result, Option<TimeSpan?> option) =>
        result.GetValue(option) ?? StuckReleaseRule.DefaultStaleAfter;

    public const string ReleaseArgumentName = "RELEASE";

    private static Argument<string> ReleaseArgument()
    {
        // A help name of its own: without one, help lists the argument's completions, which read the cluster.
        var release = new Argument<string>(ReleaseArgumentName) { HelpName = ReleaseArgumentName, Description = "The Helm release name" };

        // Helm's own rule; it also keeps a name from smuggling extra terms into the label selector.
        release.Validators.Add(r =>
        {
            if (KubernetesNames.ReleaseNameProblem(r.Tokens.Count > 0 ? r.Tokens[0].Value : "") is { } problem)
            {
                r.AddError(problem);
            }
        });
        return release;
    }
}

/// <summary><c>-o table|json</c>.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}
