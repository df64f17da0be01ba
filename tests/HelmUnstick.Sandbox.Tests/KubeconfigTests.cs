namespace HelmUnstick.Sandbox.Tests;

public sealed class KubeconfigTests
{
    [Fact]
    public async Task Kubeconfig_CarriesServerContextNamespaceAndToken()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxOptions());
        using var yaml = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(server.KubeconfigYaml("lab", "gitlab-cny", "t0ken")));

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(yaml);

        Assert.Equal("lab", config.CurrentContext);
        Assert.Equal("gitlab-cny", config.Namespace);
        Assert.Equal("t0ken", config.AccessToken);
        Assert.Equal(server.BaseAddress.GetLeftPart(UriPartial.Authority), config.Host.TrimEnd('/'));
    }

    [Fact]
    public async Task StartAsync_WithPortZero_ListensOnLoopback()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxOptions());

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
    }
}
