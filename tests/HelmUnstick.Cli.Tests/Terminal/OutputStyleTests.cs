using HelmUnstick.Cli.Rendering;
using Spectre.Console;

namespace HelmUnstick.Cli.Tests.Terminal;

/// <summary>Colour only on a colour terminal; pipes, NO_COLOR and --no-color get the same words without escape sequences.</summary>
public sealed class OutputStyleTests
{
    private const string Escape = "\u001b[";

    private static readonly string[] Check = ["check", "gitlab-cny", "-n", "gitlab-cny", "--skip-ci-check", "--reason", "drill"];

    [Fact]
    public async Task Check_OnAColourTerminal_ColoursTheStates()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        cli.OutputIsTerminal = true;

        var run = await cli.RunAsync(Check);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(Escape, run.Out);
    }

    public static TheoryData<string, bool, string?, bool> PlainCases => new()
    {
        { "piped", false, null, false },
        { "NO_COLOR set", true, "1", false },
        { "--no-color", true, null, true },
    };

    [Theory]
    [MemberData(nameof(PlainCases))]
    public async Task Check_PipedOrNoColor_PrintsTheSameWordsWithoutEscapeSequences(string why, bool terminal, string? noColorVariable, bool noColorFlag)
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var styled = await TerminalRun(cli);
        cli.OutputIsTerminal = terminal;
        cli.SetEnvironment("NO_COLOR", noColorVariable);

        var run = await cli.RunAsync(noColorFlag ? [.. Check, "--no-color"] : Check);

        Assert.True(run.ExitCode == 0, $"{why}: {run}");
        Assert.DoesNotContain(Escape, run.Out);
        // The next command to paste repeats the flags given, --no-color included.
        Assert.Equal(Words(styled.Out), Regex.Replace(run.Out.Replace(" --no-color", ""), "  +", " "));
    }

    [Fact]
    public async Task JsonAndTables_PipedFromATerminalSession_StayPlain()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        var json = await cli.RunAsync([.. Check, "-o", "json"]);
        var table = await cli.RunAsync("history", "gitlab-cny", "-n", "gitlab-cny");

        Assert.DoesNotContain(Escape, json.Out);
        Assert.NotNull(JsonNode.Parse(json.Out));
        Assert.DoesNotContain(Escape, table.Out);
        Assert.StartsWith("REVISION", table.Out);
    }

    [Theory]
    [InlineData(nameof(Mark.Ok), "✓ ok", "ok")]
    [InlineData(nameof(Mark.Blocked), "✗ BLOCKED", "BLOCKED")]
    [InlineData(nameof(Mark.Overridden), "! overridden", "overridden")]
    [InlineData(nameof(Mark.Warning), "! warning", "warning")]
    public void Marks_AreSymbolAndWordInColour_OrTheWordAlone(string state, string styledText, string plainText)
    {
        var mark = Enum.Parse<Mark>(state);
        var terminal = new TestConsole().EmitAnsiSequences().Colors(ColorSystem.TrueColor);
        terminal.Profile.Capabilities.Unicode = true;
        var pipe = new TestConsole().EmitAnsiSequences().Colors(ColorSystem.TrueColor);
        var plain = OutputStyle.Apply(pipe, styled: false);

        terminal.Markup(Marks.Markup(terminal, mark));
        plain.Markup(Marks.Markup(plain, mark));

        Assert.Contains(Escape, terminal.Output);
        Assert.Equal(styledText, WithoutEscapes(terminal.Output));
        Assert.Equal(plainText, pipe.Output);
    }

    private static async Task<CliRun> TerminalRun(CliHarness cli)
    {
        cli.OutputIsTerminal = true;
        var run = await cli.RunAsync(Check);
        cli.OutputIsTerminal = false;
        return run;
    }

    private static string WithoutEscapes(string output) => Regex.Replace(output, "\u001b\\[[0-9;]*m", "");

    /// <summary>Styled output without escape sequences and status symbols: what the plain output must say.</summary>
    private static string Words(string output) =>
        Regex.Replace(Regex.Replace(WithoutEscapes(output), "[✓✗!] (?=ok|BLOCKED|overridden|warning|clear to fix)", ""), "  +", " ");
}
