using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>The <c>--config</c>, <c>--gitlab-*</c> and <c>--github-*</c> flags as given on the command line; empty lists and nulls mean "not given".</summary>
public sealed record CiFlags(
    string? ConfigPath = null,
    string? GitLabUrl = null,
    IReadOnlyList<string>? Projects = null,
    IReadOnlyList<string>? Environments = null,
    string? CaFile = null,
    string? TokenFile = null,
    string? GitHubUrl = null,
    IReadOnlyList<string>? GitHubRepositories = null,
    IReadOnlyList<string>? GitHubEnvironments = null,
    string? GitHubTokenFile = null,
    string? GitHubCaFile = null)
{
    public bool OverridesSources => GitLabUrl is not null || Projects is { Count: > 0 } || Environments is { Count: > 0 } || CaFile is not null;

    public bool OverridesGitHubSources => GitHubUrl is not null || GitHubRepositories is { Count: > 0 } || GitHubEnvironments is { Count: > 0 } || GitHubCaFile is not null;
}

/// <summary>Every CI source mapped to one kube context.</summary>
public sealed record CiSources(IReadOnlyList<GitLabSourceSettings> GitLab, IReadOnlyList<GitHubSourceSettings> GitHub)
{
    public static readonly CiSources None = new([], []);

    public int Count => GitLab.Count + GitHub.Count;

    /// <summary>These sources, their tokens remembered by <paramref name="secrets"/> so that no output shows them.</summary>
    internal CiSources MaskingTokens(Safety.Redactor secrets)
    {
        foreach (var token in GitLab.Select(s => s.Token).Concat(GitHub.Select(s => s.Token)))
        {
            secrets.Add(token?.Reveal());
        }

        return this;
    }
}

/// <summary>One GitLab source to ask, after flags were merged over the config file.</summary>
public sealed record GitLabSourceSettings(
    Uri Url,
    IReadOnlyList<string> Projects,
    CiScope Scope,
    string? CaFile,
    CiToken? Token)
{
    public string Name => $"GitLab {Url.GetLeftPart(UriPartial.Path).TrimEnd('/')}";

    public override string ToString() =>
        $"{Name} projects=[{string.Join(", ", Projects)}] environments=[{string.Join(", ", Scope.Environments)}] " +
        $"job_patterns=[{string.Join(", ", Scope.JobNamePatterns)}] token={(Token is null ? "none" : "***")}";
}

public static class CiSettings
{
    /// <summary>
    /// Reads <c>--config</c> (or the default config file, which may be absent) and resolves the sources for
    /// <paramref name="kubeContext"/>. Problems throw <see cref="CiConfigException"/> with the one line to show.
    /// </summary>
    public static CiSources Load(string kubeContext, CiFlags flags, Func<string, string?> getEnvironmentVariable)
    {
        var config = CiConfigLoader.Load(
            flags.ConfigPath ?? CiConfigLoader.DefaultPath(getEnvironmentVariable),
            explicitlyGiven: flags.ConfigPath is not null);
        return Resolve(config, kubeContext, flags, getEnvironmentVariable);
    }

    /// <summary>
    /// Merges flags over the sources the config file maps to <paramref name="kubeContext"/>, GitLab's and GitHub's
    /// alike. Flags override the file source with the same URL (or every file source of their product when no URL
    /// flag is given); when none matches, the flags describe a new source on their own (a GitHub one on
    /// <c>https://api.github.com</c> unless <c>--github-url</c> names another API).
    /// </summary>
    public static CiSources Resolve(CiConfig config, string kubeContext, CiFlags flags, Func<string, string?> getEnvironmentVariable) =>
        new(ResolveGitLab(config, kubeContext, flags, CiToken.ForGitLab(flags.TokenFile, getEnvironmentVariable)),
            ResolveGitHub(config, kubeContext, flags, CiToken.ForGitHub(flags.GitHubTokenFile, getEnvironmentVariable)));

    private static List<GitHubSourceSettings> ResolveGitHub(CiConfig config, string kubeContext, CiFlags flags, CiToken? token)
    {
        var flagUrl = FlagUrl("--github-url", flags.GitHubUrl);
        if (flags.GitHubRepositories?.FirstOrDefault(r => !CiConfigLoader.IsRepositoryName(r)) is { } malformed)
        {
            throw new CiConfigException($"--github-repository '{malformed}' is not OWNER/NAME (for example acme/platform-deploy)");
        }

        return MergeFlags(config.GitHubSourcesFor(kubeContext), flags.OverridesGitHubSources, flagUrl, source => source.Url, (source, targeted) =>
            new GitHubSourceSettings(
                source.Url,
                targeted && flags.GitHubRepositories is { Count: > 0 } repositories ? repositories : source.Repositories,
                new GitHubScope(targeted && flags.GitHubEnvironments is { Count: > 0 } environments ? environments : source.Environments, source.Workflows),
                targeted ? flags.GitHubCaFile ?? source.CaFile : source.CaFile,
                token),
            () => flags.GitHubRepositories is { Count: > 0 } repositories
                ? new GitHubSourceSettings(flagUrl ?? GitHubSourceSettings.PublicApi, repositories, new GitHubScope(flags.GitHubEnvironments ?? [], []), flags.GitHubCaFile, token)
                : throw new CiConfigException($"--github-url/--github-environment need at least one --github-repository OWNER/NAME: no GitHub source is configured for context '{kubeContext}'"));
    }

    private static List<GitLabSourceSettings> ResolveGitLab(CiConfig config, string kubeContext, CiFlags flags, CiToken? token)
    {
        var flagUrl = FlagUrl("--gitlab-url", flags.GitLabUrl);
        return MergeFlags(config.SourcesFor(kubeContext), flags.OverridesSources, flagUrl, source => source.Url,
            (source, targeted) => targeted ? Merge(source, flags, token) : FromFile(source, token),
            () => flagUrl is null
                ? throw new CiConfigException($"--gitlab-project/--gitlab-environment need --gitlab-url: no GitLab source is configured for context '{kubeContext}'")
                : flags.Projects is { Count: > 0 } projects
                    ? new GitLabSourceSettings(flagUrl, projects, new CiScope(flags.Environments ?? [], []), flags.CaFile, token)
                    : throw new CiConfigException($"--gitlab-url {flagUrl} needs at least one --gitlab-project"));
    }

    /// <summary>
    /// The file's sources, the flags merged into those they target (<paramref name="settings"/> is told which): the
    /// source on the flag's URL, or every one when no URL flag is given. When flags are given and target none,
    /// <paramref name="fromFlags"/> makes the source they describe on their own.
    /// </summary>
    private static List<TSettings> MergeFlags<TSource, TSettings>(
        IEnumerable<TSource> fileSources, bool flagsGiven, Uri? flagUrl, Func<TSource, Uri> urlOf, Func<TSource, bool, TSettings> settings, Func<TSettings> fromFlags)
    {
        var sources = new List<TSettings>();
        bool overridden = false;
        foreach (var source in fileSources)
        {
            bool targeted = flagsGiven && (flagUrl is null || SameInstance(flagUrl, urlOf(source)));
            overridden |= targeted;
            sources.Add(settings(source, targeted));
        }

        if (flagsGiven && !overridden)
        {
            sources.Add(fromFlags());
        }

        return sources;
    }

    /// <summary>The URL a flag names, or null when it is not given.</summary>
    private static Uri? FlagUrl(string flag, string? text) =>
        text is null ? null
        : CiConfigLoader.TryParseGitLabUrl(text, out var url) ? url
        : throw new CiConfigException($"{flag} '{text}' is not an absolute http(s) URL");

    private static GitLabSourceSettings FromFile(GitLabSourceConfig source, CiToken? token) =>
        new(source.Url, source.Projects, new CiScope(source.Environments, source.JobPatterns), source.CaFile, token);

    private static GitLabSourceSettings Merge(GitLabSourceConfig source, CiFlags flags, CiToken? token) =>
        new(
            source.Url,
            flags.Projects is { Count: > 0 } projects ? projects : source.Projects,
            new CiScope(flags.Environments is { Count: > 0 } environments ? environments : source.Environments, source.JobPatterns),
            flags.CaFile ?? source.CaFile,
            token);

    private static bool SameInstance(Uri a, Uri b) =>
        a.GetLeftPart(UriPartial.Path).TrimEnd('/').Equals(b.GetLeftPart(UriPartial.Path).TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
