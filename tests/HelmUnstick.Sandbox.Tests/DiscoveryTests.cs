using Microsoft.AspNetCore.Builder;

namespace HelmUnstick.Sandbox.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Version_ReportsKubernetes133()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var version = await sandbox.Client.Version.GetCodeAsync();

        Assert.Equal(("1", "33", "v1.33.0"), (version.Major, version.Minor, version.GitVersion));
    }

    [Fact]
    public async Task CoreResourceList_DescribesServedResources()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var list = await sandbox.Client.CoreV1.GetAPIResourcesAsync();

        var secrets = list.Resources.Single(r => r.Name == "secrets");
        Assert.Equal("v1", list.GroupVersion);
        Assert.Equal(("secret", true, "Secret"), (secrets.SingularName, secrets.Namespaced, secrets.Kind));
        Assert.Contains("delete", secrets.Verbs);
        var namespaces = list.Resources.Single(r => r.Name == "namespaces");
        Assert.False(namespaces.Namespaced);
        Assert.Equal(["ns"], namespaces.ShortNames);
    }

    [Fact]
    public async Task AppsResourceList_HasDeploymentsWithShortName()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var list = await sandbox.Client.AppsV1.GetAPIResourcesAsync();

        var deployments = list.Resources.Single(r => r.Name == "deployments");
        Assert.Equal(["deploy"], deployments.ShortNames);
        Assert.Equal("Deployment", deployments.Kind);
    }

    [Fact]
    public async Task GroupList_HasEveryServedGroup()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var groups = await sandbox.Client.Apis.GetAPIVersionsAsync();

        Assert.Equal(["apps", "autoscaling", "batch", "coordination.k8s.io", "demo.helm-unstick.io", "rbac.authorization.k8s.io"], groups.Groups.Select(g => g.Name).Order());
        Assert.Equal("autoscaling/v2", groups.Groups.Single(g => g.Name == "autoscaling").PreferredVersion.GroupVersion);
    }

    [Fact]
    public async Task CoreApiVersions_ListsV1()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var versions = await sandbox.Client.Core.GetAPIVersionsAsync();

        Assert.Equal(["v1"], versions.Versions);
    }

    [Fact]
    public async Task ConfigureEndpoints_MapsExtraEndpointsBeforeTheApi()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions
        {
            ConfigureEndpoints = endpoints => endpoints.MapGet("/openapi/v2", () => "extra"),
        });

        var extra = await sandbox.Http.GetStringAsync("openapi/v2");
        var api = JsonNode.Parse(await sandbox.Http.GetStringAsync("version"))!;

        Assert.Equal("extra", extra);
        Assert.Equal("v1.33.0", api["gitVersion"]!.GetValue<string>());
    }
}
