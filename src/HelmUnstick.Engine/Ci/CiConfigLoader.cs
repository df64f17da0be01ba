using System.Diagnostics.CodeAnalysis;
using HelmUnstick.Engine.Yaml;
using YamlDotNet.RepresentationModel;

namespace HelmUnstick.Engine.Ci;

/// <summary>
/// Reads <c>config.yaml</c>. The document is walked node by node rather than deserialized so that every
/// problem can be reported as <c>file:line: problem</c>, including misspelt keys.
/// </summary>
/// <example>
/// contexts:
///   gprd:
///     gitlab:
///       - url: https://ops.example.com
///         projects: [gitlab-com/gl-infra/k8s-workloads/gitlab-com]
///         environments: [gprd, gprd-cny]
///         job_patterns: ["gprd:*"]
///         ca_file: /etc/ssl/ops-ca.pem
///   prod-eu:
///     github:
///       url: https://api.github.com
///       repositories: [acme/platform-deploy]
///       environments: [production-eu]
///       workflows: [deploy.yml]
/// </example>
public static class CiConfigLoader
{
    /// <summary><c>$XDG_CONFIG_HOME/helm-unstick/config.yaml</c>, else <c>~/.config/helm-unstick/config.yaml</c>.</summary>
    public static string DefaultPath(Func<string, string?> getEnvironmentVariable)
    {
        var configHome = getEnvironmentVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrWhiteSpace(configHome))
        {
            var home = getEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            configHome = Path.Combine(home, ".config");
        }

        return Path.Combine(configHome, "helm-unstick", "config.yaml");
    }

    /// <summary>
    /// Loads <paramref name="path"/>. A missing file is an error only when the operator named it
    /// (<paramref name="explicitlyGiven"/>); the default location is optional.
    /// </summary>
    public static CiConfig Load(string path, bool explicitlyGiven)
    {
        if (!File.Exists(path))
        {
            return explicitlyGiven ? throw new CiConfigException($"{path}: config file not found") : CiConfig.Empty;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CiConfigException($"{path}: cannot read config file: {e.Message}");
        }

        return Parse(text, path);
    }

    public static CiConfig Parse(string yaml, string fileName)
    {
        var reader = new YamlFileReader(fileName, problem => new CiConfigException(problem));
        if (reader.LoadRoot(yaml) is not { } document)
        {
            return CiConfig.Empty;
        }

        var root = reader.Mapping(document, "the top level");
        var contexts = new Dictionary<string, CiContextConfig>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Children)
        {
            string name = reader.Key(key);
            if (name != "contexts")
            {
                throw reader.Error(key, $"unknown key '{name}' at the top level (expected 'contexts')");
            }

            foreach (var (contextKey, contextValue) in reader.Mapping(value, "contexts").Children)
            {
                string context = reader.Key(contextKey);
                contexts[context] = ReadContext(reader, contextValue, $"contexts.{context}");
            }
        }

        return new CiConfig(contexts);
    }

    private static CiContextConfig ReadContext(YamlFileReader reader, YamlNode node, string where)
    {
        var gitLab = new List<GitLabSourceConfig>();
        var gitHub = new List<GitHubSourceConfig>();
        foreach (var (key, value) in reader.Mapping(node, where).Children)
        {
            string name = reader.Key(key);
            if (name is not ("gitlab" or "github"))
            {
                throw reader.Error(key, $"unknown key '{name}' under {where} (expected 'gitlab' or 'github')");
            }

            // One source may be written as a mapping; several as a list of mappings.
            var entries = value is YamlSequenceNode list ? list.Children.ToList() : [value];
            for (int i = 0; i < entries.Count; i++)
            {
                string at = value is YamlSequenceNode ? $"{where}.{name}[{i}]" : $"{where}.{name}";
                if (name == "gitlab")
                {
                    gitLab.Add(ReadSource(reader, entries[i], at));
                }
                else
                {
                    gitHub.Add(ReadGitHubSource(reader, entries[i], at));
                }
            }
        }

        return new CiContextConfig(gitLab, gitHub);
    }

    private static GitHubSourceConfig ReadGitHubSource(YamlFileReader reader, YamlNode node, string where)
    {
        var source = ReadSourceFields(reader, node, where, "repositories", "workflows");
        if (source.Projects.FirstOrDefault(r => !IsRepositoryName(r)) is { } malformed)
        {
            throw reader.Error(source.ProjectsNode!, $"{where}.repositories: '{malformed}' is not OWNER/NAME");
        }

        if (source.Projects.Count == 0)
        {
            throw reader.Error(node, $"missing 'repositories' under {where} (at least one OWNER/NAME)");
        }

        return new GitHubSourceConfig(source.Url ?? GitHubSourceSettings.PublicApi, source.Projects, source.Environments, source.Jobs, source.CaFile);
    }

    /// <summary>GitHub's OWNER/NAME: two non-empty parts of letters, digits, '-', '_' and '.'.</summary>
    internal static bool IsRepositoryName(string text) =>
        text.Split('/') is [{ Length: > 0 } owner, { Length: > 0 } name] &&
        (owner + name).All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static GitLabSourceConfig ReadSource(YamlFileReader reader, YamlNode node, string where)
    {
        var source = ReadSourceFields(reader, node, where, "projects", "job_patterns");
        if (source.Url is null)
        {
            throw reader.Error(node, $"missing 'url' under {where}");
        }

        if (source.Projects.Count == 0)
        {
            throw reader.Error(node, $"missing 'projects' under {where} (at least one project path or id)");
        }

        return new GitLabSourceConfig(source.Url, source.Projects, source.Environments, source.Jobs, source.CaFile);
    }

    /// <summary>
    /// The keys a GitLab and a GitHub source share, under their own names for where deploys run
    /// (<paramref name="projectsKey"/>: projects or repositories) and which jobs deploy (<paramref name="jobsKey"/>:
    /// job-name globs or workflow files).
    /// </summary>
    private static SourceFields ReadSourceFields(YamlFileReader reader, YamlNode node, string where, string projectsKey, string jobsKey)
    {
        string[] keys = ["url", projectsKey, "environments", jobsKey, "ca_file"];
        var source = new SourceFields();
        foreach (var (name, key, value, at) in reader.Fields(node, where))
        {
            source = name switch
            {
                "url" => source with { Url = Url(reader, value, at) },
                "environments" => source with { Environments = reader.Strings(value, at, TextOrList) },
                "ca_file" => source with { CaFile = reader.Scalar(value, at) },
                _ when name == projectsKey => source with { Projects = reader.Strings(value, at, TextOrList), ProjectsNode = value },
                _ when name == jobsKey => source with { Jobs = reader.Strings(value, at, TextOrList) },
                _ => throw reader.UnknownKey(key, name, where, keys),
            };
        }

        return source;
    }

    private sealed record SourceFields
    {
        public Uri? Url { get; init; }

        public IReadOnlyList<string> Projects { get; init; } = [];

        /// <summary>Where the projects stand in the file, for a problem with one of them.</summary>
        public YamlNode? ProjectsNode { get; init; }

        public IReadOnlyList<string> Environments { get; init; } = [];

        public IReadOnlyList<string> Jobs { get; init; } = [];

        public string? CaFile { get; init; }
    }

    private const string TextOrList = "text or a list of text";

    private static Uri Url(YamlFileReader reader, YamlNode node, string where)
    {
        string text = reader.Scalar(node, where);
        return TryParseGitLabUrl(text, out var url)
            ? url
            : throw reader.Error(node, $"{where} '{text}' is not an absolute http(s) URL");
    }

    internal static bool TryParseGitLabUrl(string text, [NotNullWhen(true)] out Uri? url)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && string.IsNullOrEmpty(parsed.UserInfo))
        {
            url = parsed;
            return true;
        }

        url = null;
        return false;
    }
}
