using HelmUnstick.Cli;
using Spectre.Console;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var env = new CliEnvironment(
    AnsiConsole.Console,
    Console.Error,
    Environment.GetEnvironmentVariable,
    TimeProvider.System,
    IsInteractive: !Console.IsInputRedirected && !Console.IsOutputRedirected);
return await CliApp.InvokeAsync(args, env, cancel.Token);
