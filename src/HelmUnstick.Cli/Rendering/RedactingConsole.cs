using HelmUnstick.Engine.Safety;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace HelmUnstick.Cli.Rendering;

/// <summary>A console whose text goes through the run's <see cref="Redactor"/> before it is written.</summary>
internal sealed class RedactingConsole(IAnsiConsole inner, Redactor redactor) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new Redacted(renderable, redactor));

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    private sealed class Redacted(IRenderable inner, Redactor redactor) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            inner.Render(options, maxWidth).Select(s => s.IsLineBreak || s.IsControlCode ? s : new Segment(redactor.Redact(s.Text), s.Style));
    }
}
