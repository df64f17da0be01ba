namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>A <c>scan --watch</c> running in the background, as the scan tests wait on it.</summary>
internal static class WatchProgress
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails when the watch ends first or makes no progress within a minute.</summary>
    public static async Task UntilAsync(Func<bool> condition, Task running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.False(running.IsCompleted, "the watch ended early");
            Assert.True(DateTime.UtcNow < deadline, "the watch made no progress");
            await Task.Delay(10);
        }
    }
}
