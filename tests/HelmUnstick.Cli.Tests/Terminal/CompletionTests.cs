namespace HelmUnstick.Cli.Tests.Terminal;

/// <summary>Shell completion: what helm-unstick answers to the shell, and the scripts in real shells.</summary>
public sealed class CompletionTests
{
    /// <summary>
    /// What helm-unstick offers the shell for Tab at the end of <paramref name="line"/> (the suggest directive with the
    /// cursor there), against the gitlab-cny cluster.
    /// </summary>
    private static async Task<CliRun> SuggestAsync(string line)
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        return await cli.RunAsync($"[suggest:{line.Length}]", line);
    }

    [Theory]
    [InlineData("helm-unstick fix -n git", "gitlab-cny")]
    [InlineData("helm-unstick explain --context ", "sandbox")]
    [InlineData("helm-unstick history -n gitlab-cny gi", "gitlab-cny")]
    [InlineData("helm-unstick fix --strategy ", "delete", "mark-failed")]
    [InlineData("helm-unstick completion ", "bash", "fish", "powershell", "zsh")]
    public async Task Suggest_ValuesFromTheKubeconfigTheClusterAndTheCommandTree(string line, params string[] expected)
    {
        var run = await SuggestAsync(line);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, Candidates(run.Out).Where(c => !c.StartsWith('-') && !c.StartsWith('/')));
    }

    [Fact]
    public async Task Suggest_AfterTheNamespace_OffersTheReleasesBeforeTheFlags()
    {
        var run = await SuggestAsync("helm-unstick fix -n gitlab-cny ");

        var candidates = Candidates(run.Out);
        Assert.Equal("gitlab-cny", candidates[0]);
        Assert.Contains("--apply", candidates);
    }

    [Theory]
    [InlineData("helm-unstick fix gitlab-cny --strategy=de")]
    [InlineData("helm-unstick fix -n nowhere ")]
    public async Task Suggest_WhatCannotBeCompleted_GivesNoReleaseAndNoError(string line)
    {
        var run = await SuggestAsync(line);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("gitlab-cny", Candidates(run.Out));
        Assert.Empty(run.Err);
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    public async Task Script_ParsesInItsShell(string shell)
    {
        await using var cli = await CliHarness.StartAsync("healthy");
        var script = Path.Combine(cli.Root, $"completion.{shell}");
        File.WriteAllText(script, (await cli.RunAsync("completion", shell)).Out);
        Assert.True(File.Exists($"/usr/bin/{shell}") || File.Exists($"/bin/{shell}"), $"{shell} is not installed: apt-get install -y zsh fish");

        await using var check = ChildProcess.Start(shell, ["-n", script], new Dictionary<string, string?>());
        var (exitCode, output, error) = await check.WaitAsync();

        Assert.True(exitCode == 0, $"{shell} -n: {output}{error}");
    }

    [Theory]
    [InlineData("helm-unstick fi", "fix")]
    [InlineData("helm-unstick fix --str", "--strategy")]
    // A generous --request-timeout: a loaded test machine may need more than the default 5 seconds to answer.
    [InlineData("helm-unstick fix --request-timeout 1m -n gitlab-cny gitl", "gitlab-cny")]
    public async Task Bash_CompletesTheWordBeingTyped_ThroughTheBuiltBinary(string line, string expected)
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        var candidates = await BashCompleteAsync(cli, line);

        Assert.Equal([expected], candidates);
    }

    [Theory]
    [InlineData("helm-unstick fi", "fix")]
    [InlineData("helm-unstick fix --request-timeout 1m -n gitlab-cny gitl", "gitlab-cny")]
    public async Task Fish_CompletesTheWordBeingTyped_ThroughTheBuiltBinary(string line, string expected)
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        // fish's own "complete -C LINE" lists what Tab would offer at the end of LINE.
        await using var fish = ChildProcess.Start("fish", ["-c", "helm-unstick completion fish | source; complete -C $argv[1]", line], new Dictionary<string, string?>
        {
            ["HOME"] = cli.Root,
            ["KUBECONFIG"] = cli.Kubeconfig,
        });
        var (exitCode, output, error) = await fish.WaitAsync();

        Assert.True(exitCode == 0, $"fish: {output}{error}");
        Assert.Equal([expected], Candidates(output));
    }

    /// <summary>
    /// Loads the script into bash and calls the function <c>complete -p</c> names, with COMP_LINE, COMP_POINT,
    /// COMP_WORDS and COMP_CWORD set as bash sets them when Tab is pressed at the end of <paramref name="line"/>.
    /// </summary>
    private static async Task<string[]> BashCompleteAsync(CliHarness cli, string line)
    {
        const string driver = """
            source <(helm-unstick completion bash)
            read -r -a spec <<< "$(complete -p helm-unstick)"
            for i in "${!spec[@]}"; do [[ ${spec[i]} == -F ]] && function=${spec[i+1]}; done
            COMP_LINE=$1
            COMP_POINT=${#COMP_LINE}
            read -r -a COMP_WORDS <<< "$COMP_LINE"
            [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            "$function" helm-unstick "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\n' "${COMPREPLY[@]}"
            """;
        await using var bash = ChildProcess.Start("bash", ["-c", driver, "bash", line], new Dictionary<string, string?>
        {
            ["HOME"] = cli.Root,
            ["KUBECONFIG"] = cli.Kubeconfig,
        });
        var (exitCode, output, error) = await bash.WaitAsync();
        Assert.True(exitCode == 0, $"bash: {output}{error}");
        return Candidates(output);
    }

    private static string[] Candidates(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
