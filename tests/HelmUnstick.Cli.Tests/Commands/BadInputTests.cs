using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// Plain bad input (a name that is no name, a kubeconfig that is no kubeconfig, a word that is no number or command)
/// gets exit 2 and one line saying what is wrong, before any request reaches the API server.
/// </summary>
public sealed class BadInputTests
{
    private const string NamespaceRule = "is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";

    /// <summary>Each command that takes <c>-n</c>, given a namespace that is no name (a path, a query, capitals).</summary>
    public static TheoryData<string[], string> CommandsWithANamespaceThatIsNoName => new()
    {
        { ["check", "demo", "-n", "x/../team-a"], "x/../team-a" },
        { ["fix", "demo", "-n", "x/../team-a", .. SkipCi, "--apply", "--yes"], "x/../team-a" },
        { ["history", "demo", "-n", "ns?x=1"], "ns?x=1" },
        { ["explain", "demo", "-n", "ns?x=1"], "ns?x=1" },
        { ["fix", "demo", "-n", "Team-A", .. SkipCi, "--apply", "--yes"], "Team-A" },
        { ["scan", "-n", "x/../team-a"], "x/../team-a" },
    };

    [Theory]
    [MemberData(nameof(CommandsWithANamespaceThatIsNoName))]
    public async Task NamespaceThatIsNoName_Exit2_OneLineWithTheRule_NoRequestSent(string[] args, string ns)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var anyRequest = cli.Server.Faults.Respond("*", ".", 500, times: int.MaxValue);

        var run = await cli.RunAsync(args);

        Assert.Equal((2, "", $"error: -n: '{ns}' {NamespaceRule}\n"), (run.ExitCode, run.Out, run.Err));
        Assert.Equal(0, anyRequest.Matched);
    }

    [Fact]
    public async Task ContextNamespaceThatIsNoName_Exit2_NamesTheContext()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Server.WriteKubeconfig(cli.Kubeconfig, "sandbox", "team-a/../kube-system");

        var run = await cli.RunAsync("history", "demo");

        Assert.Equal((2, $"error: the namespace of context sandbox: 'team-a/../kube-system' {NamespaceRule}\n"), (run.ExitCode, run.Err));
    }

    [Fact]
    public async Task ReleaseNameWithATrailingNewline_Exit2_OneLine()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var anyRequest = cli.Server.Faults.Respond("*", ".", 500, times: int.MaxValue);

        var run = await cli.RunAsync("history", "demo\n", "-n", Ns);

        Assert.Equal(
            (2, "error: 'demo\\u000a' is not a Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters) (see 'helm-unstick history --help')\n"),
            (run.ExitCode, run.Err));
        Assert.Equal(0, anyRequest.Matched);
    }

    [Theory]
    [InlineData("secret://ops?x=1/backup", $"error: secret://ops?x=1/backup: 'ops?x=1' {NamespaceRule}; nothing was read or changed\n")]
    [InlineData("secret://ops/Backup", "error: secret://ops/Backup: 'Backup' is not a Kubernetes object name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters); nothing was read or changed\n")]
    public async Task RestoreOfABackupSecretWhoseNameIsNoName_Exit2_NoRequestSent(string location, string error)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var anyRequest = cli.Server.Faults.Respond("*", ".", 500, times: int.MaxValue);

        var run = await cli.RunAsync("restore", location, "--apply", "--yes");

        Assert.Equal((2, error), (run.ExitCode, run.Err));
        Assert.Equal(0, anyRequest.Matched);
    }

    public static TheoryData<string, byte[], string> Kubeconfigs => new()
    {
        { "empty", [], "has no contexts; pass --kubeconfig FILE with at least one, or set KUBECONFIG" },
        { "binary", [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00], "is a binary file, not a kubeconfig; pass --kubeconfig FILE or set KUBECONFIG" },
        { "text", "just some text\n"u8.ToArray(), "is not a kubeconfig (a YAML mapping with clusters, contexts and users); pass --kubeconfig FILE or set KUBECONFIG" },
        { "list", "- a\n- b\n"u8.ToArray(), "is not a kubeconfig (a YAML mapping with clusters, contexts and users); pass --kubeconfig FILE or set KUBECONFIG" },
    };

    [Theory]
    [MemberData(nameof(Kubeconfigs))]
    public async Task KubeconfigThatIsNoKubeconfig_Exit2_OneLine(string name, byte[] content, string problem)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var path = Path.Combine(cli.Root, name);
        await File.WriteAllBytesAsync(path, content);

        var run = await cli.RunAsync("scan", "-A", "--kubeconfig", path);

        Assert.Equal((2, $"error: kubeconfig {path} {problem}\n"), (run.ExitCode, run.Err));
    }

    [Theory]
    [InlineData("cluster: sandbox", "cluster: gone", "names cluster \"gone\", which is not in the file (clusters: sandbox)")]
    [InlineData("user: sandbox", "user: gone", "names user \"gone\", which is not in the file (users: sandbox)")]
    [InlineData("cluster: sandbox", "cluster: \"\"", "names no cluster (clusters: sandbox)")]
    public async Task ContextWithoutItsClusterOrUser_Exit2_NamesWhatIsMissing(string line, string replacement, string problem)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var yaml = (await File.ReadAllTextAsync(cli.Kubeconfig)).Replace("\"", "");
        Assert.Contains(line, yaml);
        await File.WriteAllTextAsync(cli.Kubeconfig, yaml.Replace(line, replacement));

        var run = await cli.RunAsync("scan", "-A");

        Assert.Equal((2, $"error: kubeconfig {cli.Kubeconfig}: context \"sandbox\" {problem}; fix the context or pass another --context\n"), (run.ExitCode, run.Err));
    }

    [Fact]
    public async Task KubeconfigUserWithATokenFile_IsAuthenticatedWithItsToken_AsKubectlDoes()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions
        {
            Scenario = Scenario.Load(Fixtures.StuckUpgradeStore),
            Users = new Dictionary<string, SandboxUser> { ["from-a-file"] = SandboxUser.Admin("oncall") },
        });
        await File.WriteAllTextAsync(Path.Combine(cli.Root, "token"), "from-a-file\n");
        var yaml = await File.ReadAllTextAsync(cli.Kubeconfig);
        await File.WriteAllTextAsync(cli.Kubeconfig, yaml.Replace("token: \"sandbox-anonymous\"", "tokenFile: token"));

        var run = await cli.RunAsync("scan", "-A");
        File.Delete(Path.Combine(cli.Root, "token"));
        var missing = await cli.RunAsync("scan", "-A");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("team-a      demo      4          pending-upgrade", run.Out);
        Assert.Equal((2, $"error: kubeconfig {cli.Kubeconfig}: the tokenFile {Path.Combine(cli.Root, "token")} of user \"sandbox\" cannot be read: Could not find file '{Path.Combine(cli.Root, "token")}'.\n"),
            (missing.ExitCode, missing.Err));
    }

    [Theory]
    [InlineData(new[] { "explain", "demo", "-n", Ns, "--revision", "abc" }, "error: --revision: 'abc' is not a whole number of at least 1 (see 'helm-unstick explain --help')")]
    [InlineData(new[] { "explain", "demo", "-n", Ns, "--revision", "0" }, "error: --revision: '0' is not a whole number of at least 1 (see 'helm-unstick explain --help')")]
    [InlineData(new[] { "scna" }, "error: unknown command 'scna'; did you mean scan? (see 'helm-unstick --help')")]
    [InlineData(new[] { "fxi", "demo" }, "error: unknown command 'fxi'; did you mean fix? (see 'helm-unstick --help')")]
    [InlineData(new[] { "histroy" }, "error: unknown command 'histroy'; did you mean history? (see 'helm-unstick --help')")]
    [InlineData(new[] { "rollback" }, "error: unknown command 'rollback' (see 'helm-unstick --help')")]
    public async Task UnparsableCommandLine_Exit2_OneLine(string[] args, string line)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(args);

        Assert.Equal((2, "", line + "\n"), (run.ExitCode, run.Out, run.Err));
    }
}
