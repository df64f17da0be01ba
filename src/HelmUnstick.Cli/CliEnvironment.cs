namespace HelmUnstick.Cli;

/// <summary>
/// Everything a command takes from the process: console, error stream, environment variables, clock and whether
/// a person is at the terminal. Tests pass their own.
/// </summary>
/// <param name="OutputIsTerminal">Standard output is a terminal: only then is text styled.</param>
/// <param name="ProgressConsole">Standard error as a console, only when it is a terminal: progress goes there.</param>
internal sealed record CliEnvironment(
    Spectre.Console.IAnsiConsole Console,
    TextWriter Error,
    Func<string, string?> GetEnvironmentVariable,
    TimeProvider Clock,
    bool IsInteractive,
    Func<string, bool>? Confirm = null,
    bool OutputIsTerminal = false,
    Spectre.Console.IAnsiConsole? ProgressConsole = null) : HostEnvironment(GetEnvironmentVariable, Clock, Error)
{
    /// <summary>Writes data (tables, JSON) to standard output without markup or wrapping.</summary>
    public void WriteData(string text) => Console.Profile.Out.Writer.WriteLine(Secrets.Redact(text));

    /// <summary>This environment with every output (standard output, standard error, progress) masked by <see cref="HostEnvironment.Secrets"/>.</summary>
    public CliEnvironment Redacting() => this with
    {
        Console = new Rendering.RedactingConsole(Console, Secrets),
        Error = Secrets.Writer(Error),
        ProgressConsole = ProgressConsole is { } progress ? new Rendering.RedactingConsole(progress, Secrets) : null,
    };
}
