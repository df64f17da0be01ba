namespace HelmUnstick.Cli.Tests.Ci;

public sealed class CiSettingsTests
{
    private const string Secret = "glpat-SECRETsecret123";

    private static readonly CiConfig Config = CiConfigLoader.Parse("""
        contexts:
          gprd:
            gitlab:
              url: https://ops.example.com
              projects: [gitlab-com/gl-infra/k8s-workloads/gitlab-com]
              environments: [gprd]
              job_patterns: ["gprd:*"]
        """, "config.yaml");

    private static Func<string, string?> Environment(string? token = null) =>
        name => name == CiToken.GitLabVariable ? token : null;

    [Fact]
    public void Resolve_WithoutFlags_UsesTheFileSourceForTheContext()
    {
        var source = Assert.Single(CiSettings.Resolve(Config, "gprd", new CiFlags(), Environment(Secret)).GitLab);

        Assert.Equal("GitLab https://ops.example.com", source.Name);
        Assert.Equal(["gprd"], source.Scope.Environments);
        Assert.Equal(["gprd:*"], source.Scope.JobNamePatterns);
        Assert.NotNull(source.Token);
    }

    [Fact]
    public void Resolve_EnvironmentAndProjectFlags_OverrideTheFileSource()
    {
        var flags = new CiFlags(Projects: ["ops/other"], Environments: ["gprd-cny"], CaFile: "/tmp/ca.pem");

        var source = Assert.Single(CiSettings.Resolve(Config, "gprd", flags, Environment()).GitLab);

        Assert.Equal(["ops/other"], source.Projects);
        Assert.Equal(["gprd-cny"], source.Scope.Environments);
        Assert.Equal(["gprd:*"], source.Scope.JobNamePatterns);
        Assert.Equal("/tmp/ca.pem", source.CaFile);
    }

    [Fact]
    public void Resolve_FlagsForAContextMissingFromTheFile_DescribeANewSource()
    {
        var flags = new CiFlags(GitLabUrl: "https://gitlab.example.org/", Projects: ["12"], Environments: ["pre"]);

        var source = Assert.Single(CiSettings.Resolve(Config, "pre", flags, Environment()).GitLab);

        Assert.Equal("GitLab https://gitlab.example.org", source.Name);
        Assert.Equal(["12"], source.Projects);
        Assert.Equal(["pre"], source.Scope.Environments);
        Assert.Null(source.Token);
    }

    [Theory]
    [InlineData(null, "--gitlab-project/--gitlab-environment need --gitlab-url: no GitLab source is configured for context 'pre'")]
    [InlineData("https://gitlab.example.org", "--gitlab-url https://gitlab.example.org/ needs at least one --gitlab-project")]
    [InlineData("gitlab.example.org", "--gitlab-url 'gitlab.example.org' is not an absolute http(s) URL")]
    public void Resolve_IncompleteFlags_FailWithOneLine(string? url, string expected)
    {
        var flags = new CiFlags(GitLabUrl: url, Environments: ["pre"]);

        var error = Assert.Throws<CiConfigException>(() => CiSettings.Resolve(Config, "pre", flags, Environment()).GitLab);

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Resolve_NothingConfigured_YieldsNoSources()
    {
        Assert.Empty(CiSettings.Resolve(CiConfig.Empty, "gprd", new CiFlags(), Environment()).GitLab);
    }

    [Fact]
    public void Token_FromFile_IsTrimmedAndWinsOverEnvironment()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, $"  {Secret}\n");
        try
        {
            var token = CiToken.ForGitLab(path, Environment("from-environment"));

            Assert.Equal(Secret, token?.Reveal());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Token_FromEnvironment_IsUsedWhenNoFileIsGiven()
    {
        Assert.Equal(Secret, CiToken.ForGitLab(null, Environment($"{Secret}\n"))?.Reveal());
    }

    [Fact]
    public void Token_EmptyFile_FailsWithoutContent()
    {
        string path = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<CiConfigException>(() => CiToken.ForGitLab(path, Environment()));

            Assert.Equal($"--gitlab-token-file {path}: the file is empty", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Token_MissingFile_FailsWithOneLine()
    {
        var error = Assert.Throws<CiConfigException>(() => CiToken.ForGitLab("/nonexistent/token", Environment()));

        Assert.Equal("--gitlab-token-file /nonexistent/token: file not found", error.Message);
    }

    [Fact]
    public void Load_ConfigFlagAndDefaultLocation_AreBothRead()
    {
        string home = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(home, "helm-unstick"));
        string defaultFile = Path.Combine(home, "helm-unstick", "config.yaml");
        string explicitFile = Path.Combine(home, "other.yaml");
        File.WriteAllText(defaultFile, "contexts:\n  gprd:\n    gitlab:\n      url: https://default.example.com\n      projects: [a/b]\n");
        File.WriteAllText(explicitFile, "contexts:\n  gprd:\n    gitlab:\n      url: https://explicit.example.com\n      projects: [a/b]\n");
        Func<string, string?> variables = name => name == "XDG_CONFIG_HOME" ? home : null;
        try
        {
            var fromDefault = Assert.Single(CiSettings.Load("gprd", new CiFlags(), variables).GitLab);
            var fromFlag = Assert.Single(CiSettings.Load("gprd", new CiFlags(ConfigPath: explicitFile), variables).GitLab);

            Assert.Equal("GitLab https://default.example.com", fromDefault.Name);
            Assert.Equal("GitLab https://explicit.example.com", fromFlag.Name);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void Token_IsNeverRenderedInSettingsText()
    {
        var source = Assert.Single(CiSettings.Resolve(Config, "gprd", new CiFlags(), Environment(Secret)).GitLab);

        Assert.DoesNotContain(Secret, source.ToString());
        Assert.DoesNotContain(Secret, source.Token!.ToString());
        Assert.DoesNotContain(Secret, $"{source}");
        Assert.Contains("token=***", source.ToString());
    }
}
