using System.CommandLine.Parsing;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>completion SHELL</c>: a script that makes the shell ask helm-unstick itself what may come next, through
/// System.CommandLine's <c>[suggest:POSITION] "LINE"</c> directive. Commands and flags come from the command tree, so
/// the scripts never go stale; contexts, namespaces and releases come from the kubeconfig and the cluster.
/// </summary>
internal sealed class CompletionCommand(CliEnvironment env)
{
    private static readonly Dictionary<string, string> Scripts = new(StringComparer.Ordinal)
    {
        ["bash"] = """
            # bash completion for helm-unstick. Load it with:  source <(helm-unstick completion bash)
            _helm_unstick_complete()
            {
                local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
                local -a candidates
                candidates=($("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
                COMPREPLY=($(compgen -W "${candidates[*]}" -- "$cur"))
            }
            complete -o default -F _helm_unstick_complete helm-unstick
            """,
        ["zsh"] = """
            #compdef helm-unstick
            # zsh completion for helm-unstick. Load it with:  source <(helm-unstick completion zsh)
            _helm_unstick() {
              local line="${(j: :)words[1,CURRENT]}"
              local -a candidates
              candidates=(${(f)"$(${words[1]} "[suggest:${#line}]" "$line" 2>/dev/null)"})
              if (( ${#candidates} )); then
                compadd -a candidates
              else
                _files
              fi
            }
            compdef _helm_unstick helm-unstick
            """,
        ["fish"] = """
            # fish completion for helm-unstick. Load it with:  helm-unstick completion fish | source
            function __helm_unstick_complete
                set -l line (commandline -cp)
                set -l candidates (helm-unstick "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null)
                if test (count $candidates) -gt 0
                    printf '%s\n' $candidates
                else
                    __fish_complete_path (commandline -ct)
                end
            end
            complete -c helm-unstick -f -a '(__helm_unstick_complete)'
            """,
        ["powershell"] = """
            # PowerShell completion for helm-unstick. Load it with:  helm-unstick completion powershell | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName helm-unstick -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                $line = $commandAst.ToString()
                $position = $cursorPosition - $commandAst.Extent.StartOffset
                if ($position -gt $line.Length) { $line = $line.PadRight($position) }
                & helm-unstick "[suggest:$position]" $line 2>$null |
                    Where-Object { $_ -like "$wordToComplete*" } |
                    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
            }
            """,
    };

    private readonly Argument<string> _shell = new Argument<string>("SHELL")
    {
        Description = "bash, zsh, fish or powershell",
    }.AcceptOnlyFromAmong([.. Scripts.Keys]);

    /// <summary>
    /// Prints the candidates for the word at POSITION in LINE, one a line, and always exits 0: a shell wants no
    /// candidates rather than an error in the middle of the prompt (System.CommandLine throws on some partial lines,
    /// such as <c>--strategy=de</c>).
    /// </summary>
    public static int Answer(Command root, ParseResult result, DirectiveResult request, CliEnvironment env)
    {
        var line = result.Tokens.LastOrDefault(t => t.Type != TokenType.Directive)?.Value ?? "";
        var position = request.Values.Count > 0 && int.TryParse(request.Values[0], out var at) ? at : line.Length;
        try
        {
            var typed = root.Parse(line);
            var candidates = typed.GetCompletions(position).Select(c => c.Label).ToList();

            // System.CommandLine offers a command's argument only once a word of it is typed, so after "fix -n NS "
            // it offers flags alone (and no flags while a flag's value is due); the release is what the operator is after.
            if (position == line.Length && line.EndsWith(' ') && candidates.Any(c => c.StartsWith('-'))
                && typed.CommandResult.Command.Arguments.FirstOrDefault(a => a.Name == CommonOptions.ReleaseArgumentName) is { } release
                && typed.GetResult(release) is not { Tokens.Count: > 0 })
            {
                candidates = [.. release.GetCompletions(typed.GetCompletionContext()).Select(c => c.Label), .. candidates];
            }

            foreach (var candidate in candidates.Distinct())
            {
                env.WriteData(candidate);
            }
        }
        catch (Exception)
        {
            // No candidates: the shell falls back to its own (file names).
        }

        return ExitCodes.Ok;
    }

    public Command Build()
    {
        var command = new Command("completion", """
            Print a shell completion script: commands and flags, and contexts, namespaces and release names read from
            the kubeconfig and the cluster (at most 5 seconds per completion).
              bash:        source <(helm-unstick completion bash)           (in ~/.bashrc)
              zsh:         source <(helm-unstick completion zsh)            (in ~/.zshrc, after compinit)
              fish:        helm-unstick completion fish | source            (in ~/.config/fish/config.fish)
              PowerShell:  helm-unstick completion powershell | Out-String | Invoke-Expression   (in $PROFILE)
            """)
        {
            _shell,
        };
        command.SetAction(result =>
        {
            env.WriteData(Scripts[result.GetValue(_shell)!]);
            return ExitCodes.Ok;
        });
        return command;
    }
}
