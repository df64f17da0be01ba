using System.Runtime.InteropServices;
using Spectre.Console;

namespace HelmUnstick.Cli;

/// <summary>Runs a command tree as a process: the real console, environment and clock, and signals as cancellation.</summary>
internal static class ConsoleHost
{
    public static async Task<int> RunAsync(string[] args, string toolName, Func<CliEnvironment, Command> buildRoot)
    {
        using var cancel = new CancellationTokenSource();

        // Ctrl+C and SIGTERM (kill, a pod's shutdown, a service manager) both cancel the running command, which
        // then ends by its own rules (a watch or a server with 0) instead of the runtime killing it mid-write.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

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
        return await CliApp.InvokeAsync(buildRoot, toolName, args, env, cancel.Token);
    }
}
