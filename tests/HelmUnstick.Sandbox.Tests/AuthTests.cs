namespace HelmUnstick.Sandbox.Tests;

public sealed class AuthTests
{
    private static readonly SandboxOptions WithUsers = new()
    {
        Users = new Dictionary<string, SandboxUser>
        {
            ["admin-token"] = SandboxUser.Admin("root"),
            ["alice-token"] = new SandboxUser("alice", [new AccessRule(["get", "list"], ["secrets"]), new AccessRule(["*"], ["configmaps"])]),
        },
    };

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task Request_WithoutKnownToken_Returns401(string? token)
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers, token);

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ListNamespacedSecretAsync("default"));

        Assert.Equal(HttpStatusCode.Unauthorized, code);
        Assert.Equal("Unauthorized", status.Reason);
        Assert.Equal("Unauthorized", status.Message);
        Assert.Equal(401, status.Code);
    }

    [Fact]
    public async Task RequestWithoutAnyToken_IsTheAnonymousUser_WhileAnUnknownTokenIs401()
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers with { Anonymous = SandboxUser.Admin("kubectl") });

        var anonymous = await sandbox.Http.GetAsync("api/v1/namespaces/default/secrets");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/secrets");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong-token");
        var unknown = await sandbox.Http.SendAsync(wrong);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (anonymous.StatusCode, unknown.StatusCode));
    }

    [Fact]
    public async Task Delete_OutsideUserRules_Returns403WithApiserverMessage()
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers, "alice-token");
        sandbox.Seed("team-a", "sh.helm.release.v1.x.v2");

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("sh.helm.release.v1.x.v2", "team-a"));

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal(
            "secrets \"sh.helm.release.v1.x.v2\" is forbidden: User \"alice\" cannot delete resource \"secrets\" in API group \"\" in the namespace \"team-a\"",
            status.Message);
        Assert.Equal("secrets", status.Details.Kind);
        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "team-a", "sh.helm.release.v1.x.v2"));
    }

    [Fact]
    public async Task ClusterWideList_OutsideUserRules_Returns403AtClusterScope()
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers, "alice-token");

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.AppsV1.ListDeploymentForAllNamespacesAsync());

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal(
            "deployments.apps is forbidden: User \"alice\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope",
            status.Message);
    }

    [Fact]
    public async Task Request_WithinUserRules_Succeeds()
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers, "alice-token");
        sandbox.Seed("team-a", "s1");

        var secret = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "team-a");
        var created = await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "team-a");

        Assert.Equal("s1", secret.Metadata.Name);
        Assert.Equal("c", created.Metadata.Name);
    }

    [Fact]
    public async Task Discovery_IsAllowedForAnyAuthenticatedUser()
    {
        await using var sandbox = await RunningSandbox.StartAsync(WithUsers, "alice-token");

        var version = await sandbox.Client.Version.GetCodeAsync();

        Assert.Equal("v1.33.0", version.GitVersion);
    }
}
