namespace HelmUnstick.Sandbox.Tests;

public sealed class TableTests
{
    private const string KubectlGetAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private static async Task<(string ContentType, JsonNode Table)> GetTableAsync(RunningSandbox sandbox, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", KubectlGetAccept);
        var response = await sandbox.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.GetValues("Content-Type").Single().Replace(" ", ""), JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static List<string> Row(JsonNode table, int index) =>
        table["rows"]![index]!["cells"]!.AsArray().Select(cell => cell!.ToString()).ToList();

    [Fact]
    public async Task ListDeployments_AsTable_HasKubectlColumns()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });

        var (contentType, table) = await GetTableAsync(sandbox, "apis/apps/v1/namespaces/gitlab-cny/deployments?limit=500");

        Assert.Equal("application/json;as=Table;g=meta.k8s.io;v=v1", contentType);
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(
            ["Name", "Ready", "Up-to-date", "Available", "Age"],
            table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var webservice = table["rows"]!.AsArray().Select((_, i) => Row(table, i)).Single(cells => cells[0] == "gitlab-cny-webservice");
        Assert.Equal(["gitlab-cny-webservice", "19/20", "19", "19"], webservice.Take(4));
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetSecret_AsTable_ShowsTypeAndDataCount()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });

        var (_, table) = await GetTableAsync(sandbox, "api/v1/namespaces/gitlab-cny/secrets/sh.helm.release.v1.gitlab-cny.v1234");

        Assert.Equal(["sh.helm.release.v1.gitlab-cny.v1234", "helm.sh/release.v1", "1"], Row(table, 0).Take(3));
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(330, "5m30s")]
    [InlineData(10200, "170m")]
    [InlineData(12000, "3h20m")]
    [InlineData(12000 + 3600, "4h20m")]
    [InlineData(36 * 3600, "36h")]
    [InlineData(5 * 86400 + 7 * 3600, "5d7h")]
    [InlineData(100 * 86400, "100d")]
    [InlineData((4 * 365 + 324) * 86400L, "4y324d")]
    public void HumanDuration_MatchesKubectlFormat(long seconds, string expected)
    {
        Assert.Equal(expected, TableFormat.HumanDuration(TimeSpan.FromSeconds(seconds)));
    }
}
