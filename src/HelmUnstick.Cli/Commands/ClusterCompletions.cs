using System.CommandLine.Completions;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// Shell completion for the values that live in the kubeconfig and the cluster: contexts from the kubeconfig alone;
/// namespaces and release names from one metadata-only list each, given <see cref="DefaultBudget"/> (or the
/// <c>--request-timeout</c> typed on the line) to answer. A completion that hangs the shell is worse than none, so
/// every failure completes nothing and says nothing.
/// </summary>
internal sealed class ClusterCompletions(CommonOptions common, CliEnvironment env)
{
    private static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(5);

    /// <summary>Completes <c>--context</c>, <c>-n</c> and RELEASE, for every command that takes them.</summary>
    public void AddSources()
    {
        common.Context.CompletionSources.Add(CompleteContexts);
        common.Namespace.CompletionSources.Add(context => Complete(context, Namespaces));
        common.Release.CompletionSources.Add(context => Complete(context, Releases));
    }

    private static IEnumerable<CompletionItem> Complete(CompletionContext context, Func<ParseResult, Task<IEnumerable<string>>> source)
    {
        try
        {
            return source(context.ParseResult).GetAwaiter().GetResult()
                .Where(value => value.StartsWith(context.WordToComplete, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(value => new CompletionItem(value))
                .ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }

    /// <summary>Context names; for scan, after a comma the names not yet in the list, each offered as the whole word (<c>a,b</c>).</summary>
    private IEnumerable<CompletionItem> CompleteContexts(CompletionContext context)
    {
        var comma = context.WordToComplete.LastIndexOf(',');
        if (comma < 0 || context.ParseResult.CommandResult.Command.Name != "scan")
        {
            return Complete(context, Contexts);
        }

        var listed = context.WordToComplete[..(comma + 1)];
        var taken = listed.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return Complete(context, async result => (await Contexts(result)).Where(name => !taken.Contains(name)).Select(name => listed + name));
    }

    private Task<IEnumerable<string>> Contexts(ParseResult result) => Task.FromResult<IEnumerable<string>>(ClusterNames.Contexts(Target(result), env));

    private async Task<IEnumerable<string>> Namespaces(ParseResult result)
    {
        using var session = Connect(result);
        using var budget = Budget(result);
        return await ClusterNames.NamespacesAsync(session, budget.Token);
    }

    /// <summary>Release names in the namespace asked for; as many as the budget allows on a namespace with very many.</summary>
    private async Task<IEnumerable<string>> Releases(ParseResult result)
    {
        using var session = Connect(result);
        using var budget = Budget(result);
        return await ClusterNames.ReleasesAsync(session, common.DriverOf(result, env), session.NamespaceOr(Target(result).Namespace), budget.Token);
    }

    private ClusterSession Connect(ParseResult result) => ClusterSession.Connect(Target(result), env);

    /// <summary>The cluster flags typed so far; the one being completed has no value yet and counts as not given.</summary>
    private KubeTarget Target(ParseResult result) =>
        new(Value(result, common.Kubeconfig), Value(result, common.Context), Value(result, common.Namespace), Value(result, common.RequestTimeout) ?? DefaultBudget);

    /// <summary>
    /// Counted from after the connection is set up, which reads only the kubeconfig: what may hang is the cluster,
    /// and a slow start of the process on a busy machine must not use up the time it is given.
    /// </summary>
    private CancellationTokenSource Budget(ParseResult result) => new(Target(result).RequestTimeout!.Value);

    private static T? Value<T>(ParseResult result, Option<T> option)
    {
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }
}
