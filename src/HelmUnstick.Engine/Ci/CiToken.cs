namespace HelmUnstick.Engine.Ci;

/// <summary>
/// A CI access token (GitLab, GitHub). It is taken from an environment variable or a file, never from a flag value
/// (flags end up in shell history and process listings), and it renders as <c>***</c> wherever it is formatted.
/// </summary>
public sealed class CiToken
{
    public const string GitLabVariable = "GITLAB_TOKEN";
    public const string GitHubVariable = "GITHUB_TOKEN";

    private readonly string _value;

    private CiToken(string value) => _value = value;

    /// <summary>The raw value, for the request header only.</summary>
    internal string Reveal() => _value;

    public override string ToString() => "***";

    /// <summary>From <c>--gitlab-token-file</c>, else <c>GITLAB_TOKEN</c>.</summary>
    public static CiToken? ForGitLab(string? tokenFile, Func<string, string?> getEnvironmentVariable) =>
        Resolve(tokenFile, "--gitlab-token-file", GitLabVariable, getEnvironmentVariable);

    /// <summary>From <c>--github-token-file</c>, else <c>GITHUB_TOKEN</c>.</summary>
    public static CiToken? ForGitHub(string? tokenFile, Func<string, string?> getEnvironmentVariable) =>
        Resolve(tokenFile, "--github-token-file", GitHubVariable, getEnvironmentVariable);

    /// <summary>The token file wins over the variable; no token at all yields null (public projects answer without one).</summary>
    private static CiToken? Resolve(string? tokenFile, string fileFlag, string variable, Func<string, string?> getEnvironmentVariable)
    {
        if (tokenFile is not null)
        {
            string text;
            try
            {
                text = File.ReadAllText(tokenFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CiConfigException(
                    $"{fileFlag} {tokenFile}: {(e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : "cannot read the file")}");
            }

            return text.Trim() is { Length: > 0 } trimmed
                ? new CiToken(trimmed)
                : throw new CiConfigException($"{fileFlag} {tokenFile}: the file is empty");
        }

        return getEnvironmentVariable(variable)?.Trim() is { Length: > 0 } fromEnvironment
            ? new CiToken(fromEnvironment)
            : null;
    }
}
