using HelmUnstick.Sandbox.GitLab;

namespace HelmUnstick.Cli.Tests.Terminal;

/// <summary>
/// The built helm-unstick in a real pseudo-terminal (util-linux <c>script</c>), as an operator sees it: the
/// confirmation prompt of <c>fix --apply</c>, and progress on stderr while reads take their time.
/// </summary>
public sealed class PseudoTerminalTests
{
    [Fact]
    public async Task FixApply_AtATerminal_AsksFirst_AndAnsweringNoChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        await using var terminal = InTerminal(cli, "fix gitlab-cny -n gitlab-cny --skip-ci-check --reason drill --apply");

        await terminal.SeenAsync("[y/n]");
        await terminal.TypeAsync("n\r");
        var (exitCode, screen, _) = await terminal.WaitAsync();

        Assert.True(exitCode == 1, screen);
        Assert.Contains("Apply: delete Secret gitlab-cny/sh.helm.release.v1.gitlab-cny.v1234 (revision 1234, pending-upgrade)", Unwrapped(screen));
        Assert.Contains("Not confirmed: nothing was changed.", screen);
        Assert.NotNull(cli.Secret("gitlab-cny", "sh.helm.release.v1.gitlab-cny.v1234"));
    }

    [Fact]
    public async Task Explain_ReadingSlowly_ShowsProgressOnTheTerminal_WhileStdoutToAFileStaysPlain()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        // The release's Deployments are read with one list (more than a few of one kind): slow that read past the
        // second after which the status line appears.
        using var slow = cli.Server.Faults.Delay("GET", "^/apis/apps/v1/namespaces/gitlab-cny/deployments", TimeSpan.FromMilliseconds(1500));
        var saved = Path.Combine(cli.Root, "explain.txt");
        await using var terminal = InTerminal(cli, $"explain gitlab-cny -n gitlab-cny > {saved}");

        var (exitCode, screen, _) = await terminal.WaitAsync();

        Assert.True(exitCode == 0, screen);
        Assert.Contains("Reading the release's objects from the cluster:", screen);
        var text = File.ReadAllText(saved);
        Assert.StartsWith("Release gitlab-cny in namespace gitlab-cny: revision 1234 (pending-upgrade)", text);
        Assert.DoesNotContain("\u001b", text);
        Assert.DoesNotContain("Reading the release's objects", text);
    }

    [Fact]
    public async Task FixWaitingForBusyCi_AtATerminal_ShowsTheWaitAsAStatusLine_NotALogLine()
    {
        await using var cli = await CliHarness.StartWithGitLabAsync(GitLabStubState.CreateDemo());
        await using var terminal = InTerminal(cli, $"fix gitlab-cny -n gitlab-cny {string.Join(' ', cli.GitLabDemoFlags)} --wait-for-ci 10s");

        var (exitCode, screen, _) = await terminal.WaitAsync();

        Assert.True(exitCode == 1, screen);
        // Beside the spinner's (coloured) frame, not on a line of its own as in a CI log. Which poll is drawn first
        // depends on how fast the planning before it was, so any poll number will do.
        Assert.Matches(@"\u001b\[0m CI still busy after poll \d+ \(", screen);
        Assert.Contains("BLOCKED", screen);
    }

    /// <summary>helm-unstick with stdin, stdout and stderr on a pseudo-terminal of a colour xterm.</summary>
    private static ChildProcess InTerminal(CliHarness cli, string arguments) =>
        ChildProcess.Start("script", ["--quiet", "--return", "--command", $"helm-unstick {arguments}", "/dev/null"], new Dictionary<string, string?>
        {
            ["HOME"] = cli.Root,
            ["XDG_STATE_HOME"] = Path.Combine(cli.Root, "state"),
            ["KUBECONFIG"] = cli.Kubeconfig,
            ["TERM"] = "xterm-256color",
            ["NO_COLOR"] = null,
            ["COLUMNS"] = "200",
        });

    /// <summary>The screen's text with the terminal's line wrapping undone.</summary>
    private static string Unwrapped(string screen) => screen.Replace("\r\n", "").Replace("\r", "");
}
