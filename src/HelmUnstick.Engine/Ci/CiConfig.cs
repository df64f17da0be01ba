namespace HelmUnstick.Engine.Ci;

/// <summary>The CI sources that deploy to each kube context, as read from <c>config.yaml</c>.</summary>
public sealed record CiConfig(IReadOnlyDictionary<string, IReadOnlyList<GitLabSourceConfig>> Contexts)
{
    public static readonly CiConfig Empty = new(new Dictionary<string, IReadOnlyList<GitLabSourceConfig>>());

    public IReadOnlyList<GitLabSourceConfig> SourcesFor(string kubeContext) =>
        Contexts.TryGetValue(kubeContext, out var sources) ? sources : [];
}

/// <summary>One GitLab instance and what on it deploys to a context.</summary>
public sealed record GitLabSourceConfig(
    Uri Url,
    IReadOnlyList<string> Projects,
    IReadOnlyList<string> Environments,
    IReadOnlyList<string> JobPatterns,
    string? CaFile);
