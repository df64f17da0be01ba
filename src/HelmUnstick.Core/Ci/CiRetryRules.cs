using System.Globalization;
using System.Text.RegularExpressions;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Ci;

/// <summary>Where a job ran: GitLab CI or GitHub Actions.</summary>
public enum CiSourceKind
{
    GitLab,
    GitHub,
}

/// <summary>The state of a deploy job (a GitLab job, a GitHub workflow run) as far as a retry cares.</summary>
public enum CiJobState
{
    /// <summary>Created, queued, waiting or running: not finished yet.</summary>
    Active,
    Success,
    Failed,
    Canceled,
}

/// <summary>How a retry of the failed deploy job ended; the JSON names are in <see cref="CiRetryOutcomeNames"/>.</summary>
public enum CiRetryOutcome
{
    /// <summary>Retried and not followed.</summary>
    Retried,
    Success,
    Failed,
    Canceled,

    /// <summary>Still running when <c>--timeout</c> ran out; the job was left running.</summary>
    Timeout,

    /// <summary>No failed deploy job of a mapped environment: nothing was retried.</summary>
    NoneFound,

    /// <summary>Not retried: CI is deploying (or could not be asked), or Helm still shows a pending revision.</summary>
    Blocked,

    /// <summary>The CI API failed while searching, retrying or following; the problem line says which.</summary>
    Error,
}

public static class CiRetryOutcomeNames
{
    public static string ToName(this CiRetryOutcome outcome) => outcome switch
    {
        CiRetryOutcome.Retried => "retried",
        CiRetryOutcome.Success => "success",
        CiRetryOutcome.Failed => "failed",
        CiRetryOutcome.Canceled => "canceled",
        CiRetryOutcome.Timeout => "timeout",
        CiRetryOutcome.NoneFound => "none-found",
        CiRetryOutcome.Blocked => "blocked",
        _ => "error",
    };

    public static string ToName(this CiSourceKind kind) => kind == CiSourceKind.GitLab ? "gitlab" : "github";

    public static CiRetryOutcome ToOutcome(this CiJobState state) => state switch
    {
        CiJobState.Success => CiRetryOutcome.Success,
        CiJobState.Failed => CiRetryOutcome.Failed,
        CiJobState.Canceled => CiRetryOutcome.Canceled,
        _ => CiRetryOutcome.Timeout,
    };
}

/// <summary>One deploy to an environment, newest first in the lists the rules read.</summary>
/// <param name="DeploymentId">The deployment (GitLab or GitHub), for the operator.</param>
/// <param name="JobId">What a retry re-runs: the GitLab job, or the GitHub workflow run; null when the deployment names none.</param>
public sealed record CiDeployRecord(long DeploymentId, string Environment, long? JobId, string JobName, CiJobState State, string WebUrl);

/// <summary>
/// Which job "re-run the last failed deploy job" means (the runbook's last step), and how job states read.
/// The newest finished deploy of an environment is the one to retry, and only when it failed or was canceled: a
/// deploy that succeeded after it already replaced what the failed one would bring, so retrying that one could roll
/// the environment back.
/// </summary>
public static partial class CiRetryRules
{
    /// <summary>How many of an environment's newest deploys a CI source reads: older ones were superseded long ago.</summary>
    public const int NewestDeploysPerEnvironment = 5;

    /// <summary>The job to retry for one environment, from its deploys newest first; null when there is none.</summary>
    public static CiDeployRecord? ChooseForEnvironment(IEnumerable<CiDeployRecord> newestFirst) =>
        newestFirst.FirstOrDefault(d => d.State != CiJobState.Active) is { State: CiJobState.Failed or CiJobState.Canceled, JobId: not null } failed
            ? failed
            : null;

    /// <summary>
    /// The runbook's end: the incident is remediated when the re-run deploy job succeeded and Helm's newest revision
    /// is <c>deployed</c>; a job that succeeded while Helm shows anything else (pending again, failed) is not.
    /// </summary>
    public static bool IsRemediated(CiRetryOutcome outcome, ReleaseStatus? newestRevision) =>
        outcome == CiRetryOutcome.Success && newestRevision == ReleaseStatus.Deployed;

    /// <summary>GitLab's job statuses (also a deployment's: created, running, success, failed, canceled, blocked).</summary>
    public static CiJobState GitLabJobState(string status) => status switch
    {
        "success" => CiJobState.Success,
        "failed" => CiJobState.Failed,
        "canceled" or "skipped" => CiJobState.Canceled,
        _ => CiJobState.Active,
    };

    /// <summary>A GitHub deployment's newest status: failure and error failed; inactive was superseded by a later success.</summary>
    public static CiJobState GitHubDeploymentState(string? state) => state switch
    {
        "success" or "inactive" => CiJobState.Success,
        "failure" or "error" => CiJobState.Failed,
        _ => CiJobState.Active,
    };

    /// <summary>A GitHub workflow run: active until <c>completed</c>, then by its conclusion.</summary>
    public static CiJobState GitHubRunState(string status, string? conclusion) => status != "completed"
        ? CiJobState.Active
        : conclusion switch
        {
            "success" => CiJobState.Success,
            "cancelled" or "skipped" or "stale" or "neutral" => CiJobState.Canceled,
            _ => CiJobState.Failed,
        };

    /// <summary>
    /// The workflow run a GitHub deployment status links to: Actions writes
    /// <c>https://github.com/OWNER/REPO/actions/runs/RUN_ID</c> (with <c>/job/JOB_ID</c> since 2023) into
    /// <c>log_url</c> and <c>target_url</c>.
    /// </summary>
    public static long? RunIdFromUrl(string? url) =>
        url is not null && RunUrl().Match(url) is { Success: true } match &&
        long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? id
            : null;

    [GeneratedRegex(@"/actions/runs/([0-9]+)(?:[/?#]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex RunUrl();
}
