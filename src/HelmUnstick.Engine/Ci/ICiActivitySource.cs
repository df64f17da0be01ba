using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>A CI system that can say whether anything is deploying to the cluster right now.</summary>
public interface ICiActivitySource
{
    string Name { get; }

    /// <summary>Never throws for source failures: they come back as a report with <see cref="CiVerdict.Unavailable"/>.</summary>
    Task<CiSourceReport> CheckAsync(CancellationToken ct);
}

/// <summary>A CI source that can say how a job named by a release's Lease is doing, when that job is one of its own.</summary>
internal interface ICiLeaseJobReader
{
    /// <summary>Whether <paramref name="job"/> runs on this source (its instance and one of its projects or repositories).</summary>
    bool Owns(CiJobReference job);

    /// <summary>The job as the source reports it now; a failure comes back as a problem line.</summary>
    Task<CiAnswer<CiLeaseJob>> ReadLeaseJobAsync(CiJobReference job, CancellationToken ct);
}
