using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>The failed deploy job of a mapped environment that a retry re-runs (a GitLab job, a GitHub workflow run).</summary>
/// <param name="Project">The GitLab project or GitHub repository, as configured.</param>
/// <param name="JobId">The GitLab job id, or the GitHub run id.</param>
/// <param name="Attempt">GitHub's run attempt (a re-run counts it up); null on GitLab, where a retry makes a new job.</param>
internal sealed record CiRetryTarget(
    CiSourceKind Source,
    string SourceName,
    string Project,
    string Environment,
    long DeploymentId,
    long JobId,
    string JobName,
    string WebUrl,
    DateTimeOffset? FinishedAt,
    int? Attempt = null);

/// <summary>What one source found: the job to retry, or none, with what was searched (for the "none found" line).</summary>
internal sealed record CiRetrySearch(CiRetryTarget? Target, string Searched);

/// <summary>The job a retry started: a new GitLab job, or the GitHub run again with its next attempt.</summary>
internal sealed record CiRetriedJob(CiRetryTarget Of, long JobId, string WebUrl, int? Attempt);

/// <summary>A CI source that can find the failed deploy job of its mapped environments, re-run it and say how the new one is doing.</summary>
internal interface ICiJobRetrier : ICiActivitySource
{
    Task<CiAnswer<CiRetrySearch>> FindFailedDeployAsync(CancellationToken ct);

    /// <summary>Sent once, never repeated: a lost answer may hide a retry that was made.</summary>
    Task<CiAnswer<CiRetriedJob>> RetryAsync(CiRetryTarget target, CancellationToken ct);

    Task<CiAnswer<CiJobState>> StateAsync(CiRetriedJob job, CancellationToken ct);
}
