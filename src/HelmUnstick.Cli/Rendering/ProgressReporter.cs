using Spectre.Console;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// Says what a slow step is doing, on standard error, only when that is a terminal and only once the step has taken
/// longer than <see cref="ShowAfter"/>: quick commands stay quiet, and pipes and CI logs never carry spinner frames.
/// </summary>
internal sealed class ProgressReporter(IAnsiConsole? console, TimeProvider clock, TextWriter error) : IStepProgress
{
    public static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(1);

    public static ProgressReporter For(CliEnvironment env) => new(env.ProgressConsole, env.Clock, env.Error);

    /// <summary>
    /// One poll of a long wait: the status line on a terminal; without one, a line on stderr, since a silent wait
    /// in a CI log looks like a hang.
    /// </summary>
    public void Poll(IProgress<string> status, string line)
    {
        if (console is null)
        {
            error.WriteLine(line);
        }
        else
        {
            status.Report(line);
        }
    }

    /// <summary>Runs <paramref name="work"/>, showing <paramref name="description"/> until the work reports a newer line.</summary>
    public async Task<T> RunAsync<T>(string description, Func<IProgress<string>, Task<T>> work, CancellationToken ct)
    {
        var line = new StatusLine(description);
        var running = work(line);
        if (console is null)
        {
            return await running;
        }

        if (await Task.WhenAny(running, Task.Delay(ShowAfter, clock, ct)) == running || ct.IsCancellationRequested)
        {
            return await running;
        }

        return await console.Status()
            .Spinner(Spinner.Known.Dots)
            .SpinnerStyle(OutputStyle.IsStyled(console) ? new Style(Color.Yellow) : Style.Plain)
            .StartAsync(line.Text, async context =>
            {
                line.Show(context);
                return await running;
            });
    }

    /// <summary>The newest line reported; reports may come from any thread.</summary>
    private sealed class StatusLine(string text) : IProgress<string>
    {
        private readonly Lock _gate = new();
        private string _text = Markup.Escape(text);
        private StatusContext? _context;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text;
                }
            }
        }

        public void Show(StatusContext context)
        {
            lock (_gate)
            {
                _context = context;
                context.Status = _text;
            }
        }

        public void Report(string value)
        {
            lock (_gate)
            {
                _text = Markup.Escape(value);
                _context?.Status = _text;
            }
        }
    }
}
