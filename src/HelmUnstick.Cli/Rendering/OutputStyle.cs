using Spectre.Console;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// Whether text is styled (colour, bold, status marks), decided once per run before any command writes: only on a
/// terminal, and never with <c>NO_COLOR</c> (https://no-color.org) or <c>--no-color</c>. Output piped to grep, a
/// file or a chat paste stays plain text.
/// </summary>
internal static class OutputStyle
{
    public static bool IsStyled(bool isTerminal, Func<string, string?> getEnvironmentVariable, bool noColorFlag) =>
        isTerminal && !noColorFlag && string.IsNullOrEmpty(getEnvironmentVariable("NO_COLOR"));

    /// <summary>Turns styling off on a console that is not to be styled; a styled one keeps what its terminal supports.</summary>
    /// <remarks>
    /// Spectre.Console still writes bold and other decorations without colours, so styled text goes through
    /// <see cref="Markup"/>. Turning ANSI off instead would not do: the fallback sets colours through System.Console,
    /// which writes them as escape sequences to a Unix terminal all the same.
    /// </remarks>
    public static void Apply(IAnsiConsole console, bool styled)
    {
        if (!styled)
        {
            console.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
        }
    }

    public static bool IsStyled(IAnsiConsole console) =>
        console.Profile.Capabilities.Ansi && console.Profile.Capabilities.ColorSystem != ColorSystem.NoColors;

    /// <summary>Markup for <paramref name="text"/> in <paramref name="style"/> on a styled console; the text alone otherwise.</summary>
    public static string Markup(IAnsiConsole console, string style, string text) =>
        IsStyled(console) ? $"[{style}]{Spectre.Console.Markup.Escape(text)}[/]" : Spectre.Console.Markup.Escape(text);
}

/// <summary>The states a check or a note is in, as the operator reads them.</summary>
internal enum Mark
{
    Ok,
    Blocked,
    Overridden,
    Warning,
}

internal static class Marks
{
    /// <summary>
    /// Markup for a state: a coloured symbol and word on a styled console, the bare word otherwise. The word is
    /// always there, so the meaning never rests on colour alone.
    /// </summary>
    public static string Markup(IAnsiConsole console, Mark mark)
    {
        var unicode = console.Profile.Capabilities.Unicode;
        var (symbol, style) = mark switch
        {
            Mark.Ok => (unicode ? "✓" : "+", "green"),
            Mark.Blocked => (unicode ? "✗" : "x", "bold red"),
            Mark.Overridden => ("!", "bold yellow"),
            _ => ("!", "yellow"),
        };
        return OutputStyle.IsStyled(console) ? OutputStyle.Markup(console, style, $"{symbol} {Word(mark)}") : Word(mark);
    }

    public static string Word(Mark mark) => mark switch
    {
        Mark.Ok => "ok",
        Mark.Blocked => "BLOCKED",
        Mark.Overridden => "overridden",
        _ => "warning",
    };
}
