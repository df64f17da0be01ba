using Spectre.Console;
using Spectre.Console.Rendering;

namespace HelmUnstick.Cli.Rendering;

/// <summary>A console whose text goes through the run's <see cref="Redactor"/> before it is written.</summary>
internal sealed class RedactingConsole(IAnsiConsole inner, Redactor redactor) : SegmentMappingConsole(
    inner, s => s.IsLineBreak || s.IsControlCode ? s : new Segment(redactor.Redact(s.Text), s.Style));
