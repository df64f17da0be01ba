namespace HelmUnstick.Engine;

/// <summary>
/// How a use case shows its slow steps while they run: the CLI draws a status line on a terminal and logs the polls of
/// a long wait; tests and unattended callers show nothing.
/// </summary>
internal interface IStepProgress
{
    /// <summary>Runs <paramref name="work"/>, showing <paramref name="description"/> until the work reports a newer line.</summary>
    Task<T> RunAsync<T>(string description, Func<IProgress<string>, Task<T>> work, CancellationToken ct);

    /// <summary>One poll of a long wait: unlike a status line, it must be seen even where no status line is drawn.</summary>
    void Poll(IProgress<string> status, string line);
}

/// <summary>Shows nothing.</summary>
internal sealed class NoStepProgress : IStepProgress, IProgress<string>
{
    public static readonly NoStepProgress Instance = new();

    public Task<T> RunAsync<T>(string description, Func<IProgress<string>, Task<T>> work, CancellationToken ct) => work(this);

    public void Poll(IProgress<string> status, string line)
    {
    }

    public void Report(string value)
    {
    }
}
