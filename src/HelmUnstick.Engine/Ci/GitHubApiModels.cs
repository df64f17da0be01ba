using System.Text.Json.Serialization;

namespace HelmUnstick.Engine.Ci;

/// <summary>The answers read from GitHub's REST API, with source-generated JSON metadata (no reflection at run time).</summary>
[JsonSerializable(typeof(GitHubRepository))]
[JsonSerializable(typeof(GitHubEnvironment))]
[JsonSerializable(typeof(GitHubRun))]
[JsonSerializable(typeof(GitHubRunPage))]
[JsonSerializable(typeof(List<GitHubDeployment>))]
[JsonSerializable(typeof(List<GitHubDeploymentStatus>))]
[JsonSerializable(typeof(GitHubAccepted))]
internal sealed partial class GitHubJsonContext : JsonSerializerContext;

// The subset of GitHub REST (2022-11-28) answers that the CI check and the re-run read; names via snake_case.
internal sealed record GitHubRepository(long Id, string FullName, string HtmlUrl);

internal sealed record GitHubEnvironment(long Id, string Name);

/// <summary>A workflow run; <see cref="Path"/> is the workflow file, e.g. <c>.github/workflows/deploy.yml</c>.</summary>
internal sealed record GitHubRun(
    long Id,
    string? Name,
    string? HeadBranch,
    string? Path,
    int RunNumber,
    int RunAttempt,
    string Status,
    string? Conclusion,
    string HtmlUrl);

internal sealed record GitHubRunPage(int TotalCount, List<GitHubRun> WorkflowRuns);

internal sealed record GitHubDeployment(long Id, string Environment, string? Ref, DateTimeOffset? CreatedAt);

internal sealed record GitHubDeploymentStatus(long Id, string State, string? LogUrl, string? TargetUrl, DateTimeOffset? CreatedAt);

/// <summary>The empty object a re-run is answered with (201).</summary>
internal sealed record GitHubAccepted;
