namespace HelmUnstick.Engine.Ci;

/// <summary>The CI sources that deploy to each kube context, as read from <c>config.yaml</c>.</summary>
public sealed record CiConfig(IReadOnlyDictionary<string, CiContextConfig> Contexts)
{
    public static readonly CiConfig Empty = new(new Dictionary<string, CiContextConfig>());

    public IReadOnlyList<GitLabSourceConfig> SourcesFor(string kubeContext) => For(kubeContext).GitLab;

    public IReadOnlyList<GitHubSourceConfig> GitHubSourcesFor(string kubeContext) => For(kubeContext).GitHub;

    private CiContextConfig For(string kubeContext) => Contexts.TryGetValue(kubeContext, out var sources) ? sources : CiContextConfig.None;
}

/// <summary>What deploys to one kube context: GitLab instances, GitHub APIs, or both.</summary>
public sealed record CiContextConfig(IReadOnlyList<GitLabSourceConfig> GitLab, IReadOnlyList<GitHubSourceConfig> GitHub)
{
    public static readonly CiContextConfig None = new([], []);
}

/// <summary>One GitLab instance and what on it deploys to a context.</summary>
public sealed record GitLabSourceConfig(
    Uri Url,
    IReadOnlyList<string> Projects,
    IReadOnlyList<string> Environments,
    IReadOnlyList<string> JobPatterns,
    string? CaFile);

/// <summary>One GitHub API (github.com or an Enterprise Server) and what on it deploys to a context.</summary>
public sealed record GitHubSourceConfig(
    Uri Url,
    IReadOnlyList<string> Repositories,
    IReadOnlyList<string> Environments,
    IReadOnlyList<string> Workflows,
    string? CaFile);
