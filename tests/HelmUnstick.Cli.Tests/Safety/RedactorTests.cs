namespace HelmUnstick.Cli.Tests.Safety;

public sealed class RedactorTests
{
    private readonly Redactor _redactor = new();

    [Theory]
    [InlineData("cannot reach the API server https://admin:s3cret@k8s.example.com:6443 (context prod)", "cannot reach the API server https://k8s.example.com:6443 (context prod)")]
    [InlineData("Bad server host URL `http://a:b@host` (cannot be relative path)", "Bad server host URL `http://host` (cannot be relative path)")]
    [InlineData("proxy http://token@10.0.0.1/x and https://u:p%40ss@h:1/", "proxy http://10.0.0.1/x and https://h:1/")]
    [InlineData("mail oncall@example.com about https://example.com/a@b", "mail oncall@example.com about https://example.com/a@b")]
    public void UserInfoOfEveryUrl_IsRemoved(string text, string redacted) =>
        Assert.Equal(redacted, _redactor.Redact(text));

    [Fact]
    public void RememberedCredentials_AreMasked_LongestFirst_ShortOnesNot()
    {
        _redactor.Add("tok-123456");
        _redactor.Add("tok-123456-refresh");
        _redactor.Add("pw");
        _redactor.Add(null);

        Assert.Equal("Bearer [redacted], refresh [redacted], pw stays", _redactor.Redact("Bearer tok-123456, refresh tok-123456-refresh, pw stays"));
    }

    [Fact]
    public void Writer_MasksEachLine_EvenWhenACredentialArrivesInPieces()
    {
        var inner = new StringWriter();
        var writer = _redactor.Writer(inner);
        _redactor.Add("tok-123456");

        writer.Write("error: token tok-");
        writer.Write("123456 was refused");
        writer.WriteLine();
        writer.WriteLine("warning: https://a:b@h");

        Assert.Equal("error: token [redacted] was refused\nwarning: https://h\n", inner.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void CiTokens_FromTheEnvironment_AreMaskedOnceTheSourcesAreLoaded()
    {
        var environment = new Dictionary<string, string?> { [CiToken.GitLabVariable] = "glpat-planted-1234", [CiToken.GitHubVariable] = "ghp_planted_5678" };
        var flags = new CiFlags(GitLabUrl: "https://gitlab.example.com", Projects: ["ops/deploy"], Environments: ["gprd"],
            GitHubRepositories: ["acme/deploy"], GitHubEnvironments: ["prod"]);
        var text = "GitLab said glpat-planted-1234, GitHub said ghp_planted_5678";

        var before = _redactor.Redact(text);
        var sources = CiSettings.Resolve(CiConfig.Empty, "gprd", flags, n => environment.GetValueOrDefault(n)).MaskingTokens(_redactor);

        Assert.Equal(text, before);
        Assert.Equal((1, 1), (sources.GitLab.Count, sources.GitHub.Count));
        Assert.Equal("GitLab said [redacted], GitHub said [redacted]", _redactor.Redact(text));
    }
}
