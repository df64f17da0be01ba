using HelmUnstick.Core.Ci;

namespace HelmUnstick.Engine.Ci;

/// <summary>One GitHub API (github.com or an Enterprise Server) and what on it deploys to a context, after flags were merged over the file.</summary>
/// <param name="Url">The API URL: <c>https://api.github.com</c>, or <c>https://HOST/api/v3</c> for GitHub Enterprise Server.</param>
/// <param name="Repositories">OWNER/NAME of each repository whose workflows deploy to the context.</param>
public sealed record GitHubSourceSettings(
    Uri Url,
    IReadOnlyList<string> Repositories,
    GitHubScope Scope,
    string? CaFile,
    CiToken? Token)
{
    public static readonly Uri PublicApi = new("https://api.github.com");

    public string Name => $"GitHub {Url.GetLeftPart(UriPartial.Path).TrimEnd('/')}";

    public override string ToString() =>
        $"{Name} repositories=[{string.Join(", ", Repositories)}] environments=[{string.Join(", ", Scope.Environments)}] " +
        $"workflows=[{string.Join(", ", Scope.Workflows)}] token={(Token is null ? "none" : "***")}";
}
