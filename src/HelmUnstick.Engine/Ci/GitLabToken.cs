namespace HelmUnstick.Engine.Ci;

/// <summary>
/// A GitLab access token. It is taken from <c>GITLAB_TOKEN</c> or a file, never from a flag value (flags end up
/// in shell history and process listings), and it renders as <c>***</c> wherever it is formatted.
/// </summary>
public sealed class GitLabToken
{
    public const string EnvironmentVariable = "GITLAB_TOKEN";

    private readonly string _value;

    private GitLabToken(string value) => _value = value;

    /// <summary>The raw value, for the <c>PRIVATE-TOKEN</c> header only.</summary>
    internal string Reveal() => _value;

    public override string ToString() => "***";

    /// <summary>The token file wins over <c>GITLAB_TOKEN</c>; no token at all yields null (public projects answer without one).</summary>
    public static GitLabToken? Resolve(string? tokenFile, Func<string, string?> getEnvironmentVariable)
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
                    $"--gitlab-token-file {tokenFile}: {(e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : "cannot read the file")}");
            }

            return text.Trim() is { Length: > 0 } trimmed
                ? new GitLabToken(trimmed)
                : throw new CiConfigException($"--gitlab-token-file {tokenFile}: the file is empty");
        }

        return getEnvironmentVariable(EnvironmentVariable)?.Trim() is { Length: > 0 } fromEnvironment
            ? new GitLabToken(fromEnvironment)
            : null;
    }
}
