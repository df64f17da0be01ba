namespace HelmUnstick.Cli.Tests.Ci;

public sealed class CiConfigLoaderTests
{
    private const string Valid = """
        contexts:
          gprd:
            gitlab:
              - url: https://ops.example.com
                projects: [gitlab-com/gl-infra/k8s-workloads/gitlab-com, "42"]
                environments: [gprd, gprd-cny]
                job_patterns: ["gprd:*"]
                ca_file: /etc/ssl/ops-ca.pem
          gstg:
            gitlab:
              url: https://ops.example.com
              projects: gitlab-com/gl-infra/k8s-workloads/gitlab-com
        """;

    [Fact]
    public void Load_TheExampleConfigShippedWithTheRepository_MapsBothContexts()
    {
        var config = CiConfigLoader.Load(Path.Combine(Fixtures.Root, "examples", "config.yaml"), explicitlyGiven: true);

        var gprd = Assert.Single(config.SourcesFor("gprd"));
        Assert.Equal(["gprd", "gprd-cny"], gprd.Environments);
        Assert.Equal(["gprd*:upgrade"], gprd.JobPatterns);
        Assert.Single(config.SourcesFor("gstg"));
    }

    [Fact]
    public void Parse_ValidFile_MapsEachContextToItsSources()
    {
        var config = CiConfigLoader.Parse(Valid, "config.yaml");

        var gprd = Assert.Single(config.SourcesFor("gprd"));
        Assert.Equal(new Uri("https://ops.example.com"), gprd.Url);
        Assert.Equal(["gitlab-com/gl-infra/k8s-workloads/gitlab-com", "42"], gprd.Projects);
        Assert.Equal(["gprd", "gprd-cny"], gprd.Environments);
        Assert.Equal(["gprd:*"], gprd.JobPatterns);
        Assert.Equal("/etc/ssl/ops-ca.pem", gprd.CaFile);
        var gstg = Assert.Single(config.SourcesFor("gstg"));
        Assert.Equal(["gitlab-com/gl-infra/k8s-workloads/gitlab-com"], gstg.Projects);
        Assert.Empty(gstg.Environments);
        Assert.Empty(config.SourcesFor("pre"));
    }

    [Theory]
    [InlineData(new[] { "contexts:", "  gprd:", "    gitlab:", "      url: https://ops.example.com", "      projects: [a/b]", "      enviroment: [gprd]" }, "config.yaml:6: unknown key 'enviroment' under contexts.gprd.gitlab (expected one of url, projects, environments, job_patterns, ca_file)")]
    [InlineData(new[] { "context:", "  gprd: {}" }, "config.yaml:1: unknown key 'context' at the top level (expected 'contexts')")]
    [InlineData(new[] { "contexts:", "  gprd:", "    bitbucket: {}" }, "config.yaml:3: unknown key 'bitbucket' under contexts.gprd (expected 'gitlab' or 'github')")]
    [InlineData(new[] { "contexts:", "  gprd:", "    github: {}" }, "config.yaml:3: missing 'repositories' under contexts.gprd.github (at least one OWNER/NAME)")]
    [InlineData(new[] { "contexts:", "  gprd:", "    github:", "      repositories: [platform-deploy]" }, "config.yaml:4: contexts.gprd.github.repositories: 'platform-deploy' is not OWNER/NAME")]
    [InlineData(new[] { "contexts:", "  gprd:", "    gitlab:", "      - projects: [a/b]" }, "config.yaml:4: missing 'url' under contexts.gprd.gitlab[0]")]
    [InlineData(new[] { "contexts:", "  gprd:", "    gitlab:", "      url: https://ops.example.com" }, "config.yaml:4: missing 'projects' under contexts.gprd.gitlab (at least one project path or id)")]
    [InlineData(new[] { "contexts:", "  gprd:", "    gitlab:", "      url: ops.example.com", "      projects: [a/b]" }, "config.yaml:4: contexts.gprd.gitlab.url 'ops.example.com' is not an absolute http(s) URL")]
    [InlineData(new[] { "contexts:", "  gprd:", "    gitlab:", "      url: https://ops.example.com", "      projects: {a: b}" }, "config.yaml:5: contexts.gprd.gitlab.projects must be text or a list of text")]
    [InlineData(new[] { "contexts: [gprd]" }, "config.yaml:1: contexts must be a mapping")]
    public void Parse_MalformedFile_FailsWithOneLineNamingFileLineAndProblem(string[] lines, string expected)
    {
        var error = Assert.Throws<CiConfigException>(() => CiConfigLoader.Parse(string.Concat(lines.Select(line => line + "\n")), "config.yaml"));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Parse_InvalidYamlSyntax_NamesFileAndLine()
    {
        var error = Assert.Throws<CiConfigException>(() => CiConfigLoader.Parse("contexts:\n  gprd:\n    gitlab: [unclosed\n", "config.yaml"));

        Assert.StartsWith("config.yaml:", error.Message);
        Assert.Contains("invalid YAML", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Parse_EmptyFile_MapsNothing()
    {
        Assert.Empty(CiConfigLoader.Parse("", "config.yaml").Contexts);
    }

    [Fact]
    public void Load_MissingDefaultFile_MapsNothing()
    {
        var config = CiConfigLoader.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "config.yaml"), explicitlyGiven: false);

        Assert.Empty(config.Contexts);
    }

    [Fact]
    public void Load_MissingExplicitFile_FailsNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");

        var error = Assert.Throws<CiConfigException>(() => CiConfigLoader.Load(path, explicitlyGiven: true));

        Assert.Equal($"{path}: config file not found", error.Message);
    }

    [Fact]
    public void Load_FileOnDisk_ReportsProblemsWithItsPath()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, "contexts:\n  gprd:\n    gitlab:\n      url: https://ops.example.com\n      projects: [a]\n      token: secret\n");
        try
        {
            var error = Assert.Throws<CiConfigException>(() => CiConfigLoader.Load(path, explicitlyGiven: true));

            Assert.StartsWith($"{path}:6: unknown key 'token'", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("/xdg", "/home/op", "/xdg/helm-unstick/config.yaml")]
    [InlineData(null, "/home/op", "/home/op/.config/helm-unstick/config.yaml")]
    [InlineData("", "/home/op", "/home/op/.config/helm-unstick/config.yaml")]
    public void DefaultPath_PrefersXdgConfigHome(string? xdg, string home, string expected)
    {
        var variables = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = xdg, ["HOME"] = home };

        Assert.Equal(expected, CiConfigLoader.DefaultPath(name => variables.GetValueOrDefault(name)));
    }
}
