using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>A CI system that can say whether anything is deploying to the cluster right now.</summary>
public interface ICiActivitySource
{
    string Name { get; }

    /// <summary>Never throws for source failures: they come back as a report with <see cref="CiVerdict.Unavailable"/>.</summary>
    Task<CiSourceReport> CheckAsync(CancellationToken ct);
}
