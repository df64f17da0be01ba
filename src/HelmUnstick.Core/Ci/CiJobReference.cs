namespace HelmUnstick.Core.Ci;

/// <summary>The CI job a process runs in, as its CI system announces it in the environment.</summary>
/// <param name="ProjectId">GitLab's project id, or GitHub's owner/repository.</param>
/// <param name="JobId">GitLab's job id, or GitHub's run id.</param>
public sealed record CiJobReference(string Url, string? ProjectId, string? JobId)
{
    /// <summary>
    /// GitLab (<c>CI_JOB_URL</c>, <c>CI_PROJECT_ID</c>, <c>CI_JOB_ID</c>), GitHub Actions
    /// (<c>GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID</c>) or Jenkins (<c>BUILD_URL</c>); null outside CI.
    /// </summary>
    public static CiJobReference? FromEnvironment(Func<string, string?> environment)
    {
        string? Value(string name) => environment(name) is { Length: > 0 } value ? value : null;

        if (Value("CI_JOB_URL") is { } gitlab)
        {
            return new(gitlab, Value("CI_PROJECT_ID"), Value("CI_JOB_ID"));
        }

        if (Value("GITHUB_SERVER_URL") is { } server && Value("GITHUB_REPOSITORY") is { } repository && Value("GITHUB_RUN_ID") is { } run)
        {
            return new($"{server.TrimEnd('/')}/{repository}/actions/runs/{run}", repository, run);
        }

        return Value("BUILD_URL") is { } jenkins ? new(jenkins, null, null) : null;
    }
}
