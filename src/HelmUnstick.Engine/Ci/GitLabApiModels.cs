using System.Text.Json.Serialization;

namespace HelmUnstick.Engine.Ci;

/// <summary>The answers read from GitLab's API, with source-generated JSON metadata (no reflection at run time).</summary>
[JsonSerializable(typeof(GitLabProject))]
[JsonSerializable(typeof(List<GitLabEnvironment>))]
[JsonSerializable(typeof(List<GitLabDeployment>))]
[JsonSerializable(typeof(List<GitLabJob>))]
[JsonSerializable(typeof(List<GitLabResourceGroup>))]
[JsonSerializable(typeof(List<GitLabPipeline>))]
internal sealed partial class GitLabJsonContext : JsonSerializerContext;

// The subset of GitLab REST v4 answers that the CI check reads; names follow the API via snake_case.
internal sealed record GitLabProject(long Id, string PathWithNamespace, string WebUrl);

internal sealed record GitLabEnvironment(long Id, string Name);

internal sealed record GitLabPipelineReference(long Id, string? WebUrl);

internal sealed record GitLabJob(long Id, string Name, string Status, string? Ref, string? WebUrl, GitLabPipelineReference? Pipeline);

internal sealed record GitLabDeployment(long Id, long Iid, string Status, string? Ref, GitLabEnvironment? Environment, GitLabJob? Deployable);

internal sealed record GitLabPipeline(long Id, string Status, string? Ref, string? WebUrl);

internal sealed record GitLabResourceGroup(long Id, string Key);
