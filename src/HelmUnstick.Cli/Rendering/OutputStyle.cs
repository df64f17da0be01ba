using Spectre.Console;
using Spectre.Console.Rendering;

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

    /// <summary>The console itself when styled, else one that writes the same text with no style at all.</summary>
    public static IAnsiConsole Apply(IAnsiConsole console, bool styled) => styled ? console : new PlainConsole(console);

    public static bool IsStyled(IAnsiConsole console) =>
        console is not PlainConsole && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.ColorSystem != ColorSystem.NoColors;

    /// <summary>
    /// Drops every style from what is written, so commands may use markup freely. Taking colours away would not
    /// do: Spectre.Console still writes bold, and without ANSI it sets colours through System.Console, which on Unix
    /// writes them to a terminal as escape sequences all the same.
    /// </summary>
    private sealed class PlainConsole(IAnsiConsole inner) : SegmentMappingConsole(
        inner, s => s.IsLineBreak || s.IsControlCode || s.Style == Style.Plain ? s : new Segment(s.Text));
}

/// <summary>A console that passes every segment of text through <paramref name="map"/> before writing it.</summary>
internal class SegmentMappingConsole(IAnsiConsole inner, Func<Segment, Segment> map) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new Mapped(renderable, map));

    /// <summary>Cursor movement of a live display (progress on a terminal's stderr with --no-color); never text.</summary>
    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    private sealed class Mapped(IRenderable inner, Func<Segment, Segment> map) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => inner.Render(options, maxWidth).Select(map);
    }
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
    /// <summary>The widest state as printed in a column: "! overridden".</summary>
    public const int ColumnWidth = 12;

    /// <summary>
    /// Markup for a state: a coloured symbol and word on a styled console, the bare word otherwise. The word is
    /// always there, so the meaning never rests on colour alone.
    /// </summary>
    public static string Markup(IAnsiConsole console, Mark mark, string? word = null)
    {
        word ??= Word(mark);
        if (!OutputStyle.IsStyled(console))
        {
            return Spectre.Console.Markup.Escape(word);
        }

        var (symbol, style) = Symbol(console, mark);
        return $"[{style}]{symbol} {Spectre.Console.Markup.Escape(word)}[/]";
    }

    /// <summary>The state padded to <see cref="ColumnWidth"/>, so the steps after it line up.</summary>
    public static string Column(IAnsiConsole console, Mark mark)
    {
        var width = Word(mark).Length + (OutputStyle.IsStyled(console) ? 2 : 0);
        return Markup(console, mark) + new string(' ', Math.Max(0, ColumnWidth - width));
    }

    public static string Word(Mark mark) => mark switch
    {
        Mark.Ok => "ok",
        Mark.Blocked => "BLOCKED",
        Mark.Overridden => "overridden",
        _ => "warning",
    };

    private static (string Symbol, string Style) Symbol(IAnsiConsole console, Mark mark)
    {
        var unicode = console.Profile.Capabilities.Unicode;
        return mark switch
        {
            Mark.Ok => (unicode ? "✓" : "+", "green"),
            Mark.Blocked => (unicode ? "✗" : "x", "bold red"),
            Mark.Overridden => ("!", "bold yellow"),
            _ => ("!", "yellow"),
        };
    }
}
