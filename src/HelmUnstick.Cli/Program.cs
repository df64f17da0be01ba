using HelmUnstick.Cli;
using Spectre.Console;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Piped output is for grep and scripts: never wrap lines at an imagined terminal width.
    console.Profile.Width = 4096;
}

var env = new CliEnvironment(
    console,
    Console.Error,
    Environment.GetEnvironmentVariable,
    TimeProvider.System,
    IsInteractive: !Console.IsInputRedirected && !Console.IsOutputRedirected,
    Confirm: question => console.Confirm(question, defaultValue: false),
    OutputIsTerminal: !Console.IsOutputRedirected,
    ProgressConsole: Console.IsErrorRedirected ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));
return await CliApp.InvokeAsync(args, env, cancel.Token);
