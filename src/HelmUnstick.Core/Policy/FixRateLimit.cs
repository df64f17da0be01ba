namespace HelmUnstick.Core.Policy;

/// <summary>
/// <c>limits.maxFixesPerHour</c>: fixes made in the last hour, counted in memory by the replica holding the lease
/// (a new leader starts from zero). Time is passed in.
/// </summary>
public sealed class FixRateLimit(int? maxPerHour)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly Queue<DateTimeOffset> _fixes = new();

    /// <summary>Whether one more fix is allowed at <paramref name="now"/>.</summary>
    public bool Allows(DateTimeOffset now)
    {
        while (_fixes.Count > 0 && now - _fixes.Peek() >= Window)
        {
            _fixes.Dequeue();
        }

        return maxPerHour is not { } max || _fixes.Count < max;
    }

    /// <summary>Counts a fix attempt that may have changed something.</summary>
    public void Record(DateTimeOffset now) => _fixes.Enqueue(now);

    public string Describe() => $"limits.maxFixesPerHour ({maxPerHour}) reached";
}
