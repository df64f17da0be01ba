namespace HelmUnstick.Engine.Ci;

/// <summary>How patiently GitLab is asked. The total budget bounds the whole check, retries included.</summary>
public sealed record GitLabHttpOptions
{
    public TimeSpan TotalBudget { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Caps backoff and a server's Retry-After alike, so one 429 cannot consume the whole budget.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(20);

    public int PerPage { get; init; } = 100;
}
