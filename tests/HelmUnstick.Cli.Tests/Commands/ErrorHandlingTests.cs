using System.Net.Sockets;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>Bad input of any kind gets one clear line and an honest exit code, never a stack trace.</summary>
public sealed class ErrorHandlingTests
{
    private static void AssertOneLine(CliRun run, int exitCode, string expected)
    {
        Assert.True(run.ExitCode == exitCode, run.ToString());
        var line = Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", run.Out + run.Err);
    }

    [Fact]
    public async Task UnknownContext_NamesTheContextsThatExist()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("scan", "-A", "--context", "prod");

        AssertOneLine(run, 2, "context \"prod\" is not in kubeconfig");
        Assert.Contains("(contexts: sandbox)", run.Err);
    }

    [Fact]
    public async Task MissingKubeconfig_SaysWhichFile()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("scan", "--kubeconfig", "/nowhere/kubeconfig");

        AssertOneLine(run, 2, "kubeconfig /nowhere/kubeconfig does not exist");
    }

    [Fact]
    public async Task GarbledKubeconfig_SaysItCannotBeRead()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var path = Path.Combine(cli.Root, "garbled");
        await File.WriteAllTextAsync(path, "clusters: [ {");

        var run = await cli.RunAsync("scan", "--kubeconfig", path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"kubeconfig {path}", run.Err);
    }

    [Fact]
    public async Task UnreachableApiServer_SaysCannotReach()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var port = FreePort();
        await File.WriteAllTextAsync(cli.Kubeconfig, cli.Server.KubeconfigYaml().Replace(cli.Server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var run = await cli.RunAsync("fix", "demo", "-n", "team-a");

        AssertOneLine(run, 3, "cannot reach the API server http://127.0.0.1:" + port);
    }

    [Fact]
    public async Task Forbidden_NamesTheMissingVerbAndResource()
    {
        await using var cli = await StartWithTokenAsync("reader-token", new("alice", [new AccessRule(["get", "list"], ["namespaces", "deployments"])]));

        var run = await cli.RunAsync("history", "demo", "-n", "team-a");

        AssertOneLine(run, 3, "User \"alice\" cannot list resource \"secrets\"");
        Assert.Contains("in the namespace \"team-a\"", run.Err);
    }

    [Fact]
    public async Task Check_SettledReleaseWithoutPermissionOnWorkloads_SaysNothingToFix()
    {
        await using var cli = await StartWithTokenAsync("secrets-only", new("bob", [new AccessRule(["get", "list"], ["secrets", "namespaces"])]));

        var run = await cli.RunAsync("check", "example", "-n", "team-b");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Nothing to fix", run.Out);
    }

    [Fact]
    public async Task BadToken_Says401AndHowToRecover()
    {
        await using var cli = await StartWithTokenAsync("good", SandboxUser.Admin("admin"), kubeconfigToken: "expired");

        var run = await cli.RunAsync("scan", "-A");

        AssertOneLine(run, 3, "rejected the credentials (401 Unauthorized)");
    }

    [Fact]
    public async Task ReleaseNotFound_SaysSoAndHowToList()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("fix", "nope", "-n", "team-a");

        AssertOneLine(run, 2, "release \"nope\" not found in namespace team-a");
    }

    [Fact]
    public async Task NamespaceNotFound_SaysSo()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("check", "demo", "-n", "team-z");

        AssertOneLine(run, 2, "namespace \"team-z\" not found");
    }

    [Fact]
    public async Task CorruptPayloadOfTheNewestRevision_FixNamesTheSecretAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("v1", "secrets", "team-a", "sh.helm.release.v1.demo.v4", secret => secret["data"]!["release"] = "SDRzSUFBQUFBQUFB");
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync("fix", "demo", "-n", "team-a", "--skip-ci-check", "--reason", "r", "--apply", "--yes");

        AssertOneLine(run, 3, "Secret team-a/sh.helm.release.v1.demo.v4 (revision 4): payload cannot be decoded");
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Theory]
    [InlineData(new[] { "fix", "demo", "-n", "team-a", "--stale-after", "fifteen" }, "--stale-after: 'fifteen' is not a duration")]
    [InlineData(new[] { "fix", "demo", "-n", "team-a", "--strategy", "rollback" }, "rollback")]
    [InlineData(new[] { "scan", "--output", "yaml" }, "yaml")]
    public async Task BadFlagValue_IsAUsageErrorCaughtAtParseTime(string[] args, string expected)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Contains("--help", run.Err);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Fact]
    public async Task MalformedCiConfig_NamesFileAndLine()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var config = Path.Combine(cli.Root, "ci.yaml");
        await File.WriteAllTextAsync(config, "contexts:\n  sandbox:\n    gitlab:\n      url: https://ops.example.com\n      enviroment: [gprd]\n");

        var run = await cli.RunAsync("check", "demo", "-n", "team-a", "--config", config);

        AssertOneLine(run, 2, "ci.yaml:5");
    }

    [Fact]
    public async Task StalledApiServer_TimesOutAsAnApiErrorNotAnInterruption()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var stall = cli.Server.Faults.Freeze("GET", "^/api/v1/namespaces/team-a/secrets$");

        var run = await cli.RunAsync("history", "demo", "-n", "team-a", "--request-timeout", "200ms");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.DoesNotContain("interrupted", run.Err);
        Assert.Contains("did not answer in time", run.Err);
    }

    [Theory]
    [InlineData("x,status=pending-upgrade")]
    [InlineData("Demo")]
    [InlineData("a-release-name-that-is-far-too-long-for-helm-to-accept-it")]
    public async Task InvalidReleaseName_IsAUsageErrorAndNothingIsRead(string name)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("fix", name, "-n", "team-a");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a Helm release name", run.Err);
    }

    /// <summary>
    /// The stuck-upgrade cluster with one user, known by <paramref name="token"/>; the kubeconfig presents
    /// <paramref name="kubeconfigToken"/> (the same token unless a test wants a wrong one).
    /// </summary>
    private static async Task<CliHarness> StartWithTokenAsync(string token, SandboxUser user, string? kubeconfigToken = null)
    {
        var cli = await CliHarness.StartAsync(new SandboxOptions
        {
            Scenario = Scenario.Load(Fixtures.StuckUpgradeStore),
            Users = new Dictionary<string, SandboxUser> { [token] = user },
        });
        cli.Server.WriteKubeconfig(cli.Kubeconfig, "sandbox", "default", kubeconfigToken ?? token);
        return cli;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
