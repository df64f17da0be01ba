namespace HelmUnstick.Sandbox.Tests;

public sealed class ProtobufBodyTests
{
    private static readonly string ProtobufFixture = RepositoryPaths.SharedFixture("helm3.18", "secret-pending-install.protobuf");
    private static readonly string JsonFixture = RepositoryPaths.SharedFixture("helm3.18", "secret-pending-install.json");

    private static ByteArrayContent ProtobufContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        return content;
    }

    [Fact]
    public async Task Create_WithHelmProtobufBody_StoresTheSameSecretAsItsJsonForm()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team-b" } });
        var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/namespaces/team-b/secrets") { Content = ProtobufContent(File.ReadAllBytes(ProtobufFixture)) };
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.kubernetes.protobuf,application/json");

        var response = await sandbox.Http.SendAsync(request);

        var expected = JsonNode.Parse(File.ReadAllText(JsonFixture))!;
        var stored = sandbox.Server.Store.Get("v1", "secrets", "team-b", "sh.helm.release.v1.example.v1")!;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/vnd.kubernetes.protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonNode.DeepEquals(expected["data"], stored["data"]));
        Assert.True(JsonNode.DeepEquals(expected["metadata"]!["labels"], stored["metadata"]!["labels"]));
        Assert.Equal("helm.sh/release.v1", stored["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_SecretBodyPostedToConfigMaps_Returns400()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await sandbox.Http.PostAsync("api/v1/namespaces/default/configmaps", ProtobufContent(File.ReadAllBytes(ProtobufFixture)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is a Secret, but this endpoint takes a ConfigMap", await response.Content.ReadAsStringAsync());
        Assert.Empty(sandbox.Server.Store.List("v1", "configmaps", "default"));
    }

    [Fact]
    public async Task Create_WithTruncatedProtobufBody_Returns400()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var body = File.ReadAllBytes(ProtobufFixture)[..200];

        var response = await sandbox.Http.PostAsync("api/v1/namespaces/default/secrets", ProtobufContent(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"reason\":\"BadRequest\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Create_WithProtobufBodyForUnsupportedResource_Returns415()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await sandbox.Http.PostAsync("apis/apps/v1/namespaces/default/deployments", ProtobufContent(File.ReadAllBytes(ProtobufFixture)));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
