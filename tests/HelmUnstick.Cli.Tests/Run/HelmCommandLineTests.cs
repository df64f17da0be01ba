using HelmUnstick.Cli.Run;

namespace HelmUnstick.Cli.Tests.Run;

/// <summary>The release, namespace and cluster <c>run</c> reads from the helm command it wraps, as helm reads them.</summary>
public sealed class HelmCommandLineTests
{
    public static TheoryData<string, string[], string?> Cases => new()
    {
        { "upgrade --install with values", ["helm", "upgrade", "--install", "web", "./chart", "-n", "team-a", "-f", "values.yaml", "--set", "image.tag=1.2"],
            "upgrade web team-a - - ./chart" },
        { "global flags first, --flag=value", ["/usr/local/bin/helm", "--kube-context=prod", "--namespace=team-b", "install", "api", "oci://registry/charts/api", "--version", "1.0.0"],
            "install api team-b prod - oci://registry/charts/api" },
        { "flags between positionals", ["helm", "upgrade", "web", "--timeout", "10m", "--wait", "repo/web", "--kubeconfig", "/tmp/kc"],
            "upgrade web - - /tmp/kc repo/web" },
        { "short namespace attached", ["helm3", "rollback", "-nteam-c", "web", "4"], "rollback web team-c - - -" },
        { "uninstall", ["helm", "uninstall", "web", "-n", "team-a", "--wait"], "uninstall web team-a - - -" },
        { "install --generate-name has no release", ["helm", "install", "--generate-name", "./chart"], "install - - - - ./chart" },
        { "not helm", ["./deploy.sh", "upgrade", "web"], null },
        { "no subcommand", ["helm"], "(none) - - - - -" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_ReadsReleaseNamespaceAndCluster(string because, string[] command, string? expected)
    {
        Assert.True(expected == Fields(HelmCommandLine.Parse(command, _ => null)), $"{because}: {HelmCommandLine.Parse(command, _ => null)}");
    }

    /// <summary>subcommand, release, namespace, context, kubeconfig and chart, "-" for none.</summary>
    private static string? Fields(HelmInvocation? parsed) => parsed is null ? null
        : string.Join(' ', new[] { parsed.Subcommand.Length == 0 ? "(none)" : parsed.Subcommand, parsed.Release, parsed.Namespace, parsed.KubeContext, parsed.Kubeconfig, parsed.Chart }.Select(f => f ?? "-"));

    [Fact]
    public void Parse_WithoutFlags_TakesHelmsEnvironment()
    {
        var environment = new Dictionary<string, string> { ["HELM_NAMESPACE"] = "from-env", ["HELM_KUBECONTEXT"] = "staging" };

        var parsed = HelmCommandLine.Parse(["helm", "upgrade", "web", "./chart"], environment.GetValueOrDefault);

        Assert.Equal(new HelmInvocation("upgrade", "web", "from-env", "staging", null, "./chart"), parsed);
        Assert.Equal("upgrade ./chart", parsed!.Summary);
    }
}
