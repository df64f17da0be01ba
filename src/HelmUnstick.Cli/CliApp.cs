using System.CommandLine.Completions;
using HelmUnstick.Cli.Commands;

namespace HelmUnstick.Cli;

/// <summary>Builds the command tree and runs it; every failure ends as one line on stderr and an exit code.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliEnvironment env)
    {
        var common = new CommonOptions(env);
        var root = new RootCommand("""
            helm-unstick: the "Helm upgrade is stuck" runbook as one safe command.
            Finds releases left pending-* by a helm process that died, checks that nothing else is wrong
            (CI deploying, unhealthy workloads, a helm still running), backs up and removes the stuck revision
            (never a rollback), verifies, and explains what Helm will believe next.

            Start with the demo, a built-in sandbox cluster that needs no setup (from a clone of the repository):
              dotnet run --project src/HelmUnstick.Sandbox -- demo

            Typical incident:
              helm-unstick scan -A                                # which releases are stuck
              helm-unstick check gitlab-cny -n gitlab-cny         # the runbook's preflight, with evidence
              helm-unstick fix gitlab-cny -n gitlab-cny           # the plan; changes nothing
              helm-unstick fix gitlab-cny -n gitlab-cny --apply   # back up, remove the stuck revision, verify
              helm-unstick explain gitlab-cny -n gitlab-cny       # what the next deploy will show as changes
              helm-unstick retry-ci gitlab-cny -n gitlab-cny --follow  # re-run the failed deploy job, follow it to the end
            """)
        {
            common.Kubeconfig, common.Context, common.Namespace, common.RequestTimeout, common.Verbose, common.NoColor, common.Driver,
        };
        root.Subcommands.Add(new ScanCommand(common, env).Build());
        root.Subcommands.Add(new CheckCommand(common, env).Build());
        root.Subcommands.Add(new FixCommand(common, env).Build());
        root.Subcommands.Add(new RetryCiCommand(common, env).Build());
        root.Subcommands.Add(new RestoreCommand(common, env).Build());
        root.Subcommands.Add(new BackupsCommand(common, env).Build());
        root.Subcommands.Add(new HistoryCommand(common, env).Build());
        root.Subcommands.Add(new ExplainCommand(common, env).Build());
        root.Subcommands.Add(new ServeCommand(common, env).Build());
        root.Subcommands.Add(new RunCommand(common, env).Build());
        root.Subcommands.Add(new CompletionCommand(env).Build());
        new ClusterCompletions(common, env).AddSources();
        ToolVersion.Apply(root, "helm-unstick");
        return root;
    }

    public static Task<int> InvokeAsync(string[] args, CliEnvironment env, CancellationToken ct = default) =>
        InvokeAsync(BuildRoot, "helm-unstick", args, env, ct);

    /// <param name="buildRoot">Builds the tree around an environment: run once more around a plain console when the output is not to be styled.</param>
    public static async Task<int> InvokeAsync(Func<CliEnvironment, Command> buildRoot, string toolName, string[] args, CliEnvironment env, CancellationToken ct = default)
    {
        // Before anything is built around it: every command writes through the run's redaction.
        env = env.Redacting();
        var root = buildRoot(env);
        var result = root.Parse(args);
        if (root is RootCommand { Directives: var directives } && result.GetResult(directives.OfType<SuggestDirective>().Single()) is { } completionRequest)
        {
            return CompletionCommand.Answer(root, result, completionRequest, env);
        }

        // Decided before anything is written. Plain stdout implies plain progress, whose only extra condition is a terminal.
        var noColor = result.Errors.Count == 0
                      && root.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == CommonOptions.NoColorName) is { } flag
                      && result.GetValue(flag);
        if (!OutputStyle.IsStyled(env.OutputIsTerminal, env.GetEnvironmentVariable, noColor))
        {
            // The commands hold the console they were built with: build them again around the plain one.
            var progressStyled = OutputStyle.IsStyled(isTerminal: true, env.GetEnvironmentVariable, noColor);
            env = env with
            {
                Console = OutputStyle.Apply(env.Console, styled: false),
                ProgressConsole = env.ProgressConsole is { } progress ? OutputStyle.Apply(progress, progressStyled) : null,
            };
            root = buildRoot(env);
            result = root.Parse(args);
        }

        if (result.Errors.Count > 0)
        {
            // Parse errors are caught before anything runs: one line, saying where to read more.
            var command = result.CommandResult.Command;
            var help = $"see '{toolName} {(command == root ? "" : command.Name + " ")}--help'";
            env.Error.WriteLine($"error: {UnknownCommand(command, result.UnmatchedTokens) ?? result.Errors[0].Message.TrimEnd('.')} ({help})");
            return ExitCodes.Usage;
        }

        var config = new InvocationConfiguration
        {
            Output = env.Console.Profile.Out.Writer,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
        };
        return await result.InvokeAsync(config, ct);
    }

    /// <summary>A word where a command was expected, with the nearest command (<c>scna</c>: did you mean scan?).</summary>
    private static string? UnknownCommand(Command command, IReadOnlyList<string> unmatched)
    {
        if (command.Subcommands.Count == 0 || unmatched.Count == 0 || unmatched[0].StartsWith('-'))
        {
            return null;
        }

        var word = unmatched[0];
        var nearest = command.Subcommands.Where(c => !c.Hidden)
            .Select(c => (c.Name, Distance: EditDistance(word, c.Name)))
            .Where(c => c.Distance <= Math.Max(1, c.Name.Length / 2))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name).FirstOrDefault();
        return $"unknown command '{word}'{(nearest is null ? "" : $"; did you mean {nearest}?")}";
    }

    /// <summary>Optimal string alignment distance: a swap of two neighbours (<c>scna</c>) counts as one edit.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>
    /// Runs a command body, turning every failure into one line and an exit code: a stack trace helps nobody
    /// at 3 a.m. Only the user's Ctrl+C counts as an interruption; a client-side timeout is an API error.
    /// </summary>
    public static async Task<int> RunAsync(CliEnvironment env, Func<Task<int>> body, CancellationToken ct)
    {
        try
        {
            return await body();
        }
        catch (CliException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (EngineException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.For(e.Failure);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            env.Error.WriteLine("error: interrupted; nothing more was changed");
            return 130;
        }
        catch (Exception e) when (e is OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            env.Error.WriteLine("error: the API server did not answer in time; nothing was changed");
            return ExitCodes.ClusterError;
        }
        catch (Exception e)
        {
            env.Error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}; nothing was changed");
            return ExitCodes.ClusterError;
        }
    }
}
