namespace HelmUnstick.Conformance.Tests;

internal static class ProcessLimits
{
    /// <summary>
    /// Waits at most <paramref name="limit"/> for <paramref name="process"/> to end. One that does not is killed with
    /// everything it started, so that it is not left running behind the test run (where a later run would race it for
    /// the same output), and the test fails with the message <paramref name="overdue"/> gives at that moment.
    /// </summary>
    public static async Task EndsWithinAsync(this Process process, TimeSpan limit, Func<string> overdue)
    {
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail(overdue());
        }
    }
}
