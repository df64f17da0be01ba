namespace HelmUnstick.Sandbox.Tests;

public sealed class ListTests
{
    private static async Task<RunningSandbox> StartWithReleasesAsync()
    {
        var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("team-a", "demo.v1", new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "demo", ["status"] = "superseded" });
        sandbox.Seed("team-a", "demo.v2", new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "demo", ["status"] = "deployed" });
        sandbox.Seed("team-a", "demo.v3", new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "demo", ["status"] = "pending-upgrade" });
        sandbox.Seed("team-b", "web.v1", new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "web", ["status"] = "deployed" });
        sandbox.Seed("team-b", "unlabelled");
        return sandbox;
    }

    /// <summary>Which list parameter a selector is sent in.</summary>
    public enum SelectorKind
    {
        Label,
        Field,
    }

    [Theory]
    [InlineData(SelectorKind.Label, "owner=helm", new[] { "demo.v1", "demo.v2", "demo.v3", "web.v1" })]
    [InlineData(SelectorKind.Label, "owner==helm,name=demo", new[] { "demo.v1", "demo.v2", "demo.v3" })]
    [InlineData(SelectorKind.Label, "status!=deployed", new[] { "demo.v1", "demo.v3", "unlabelled" })]
    [InlineData(SelectorKind.Label, "status in (deployed, pending-upgrade)", new[] { "demo.v2", "demo.v3", "web.v1" })]
    [InlineData(SelectorKind.Label, "status notin (deployed,superseded)", new[] { "demo.v3", "unlabelled" })]
    [InlineData(SelectorKind.Label, "owner", new[] { "demo.v1", "demo.v2", "demo.v3", "web.v1" })]
    [InlineData(SelectorKind.Label, "!owner", new[] { "unlabelled" })]
    [InlineData(SelectorKind.Label, "name=demo,status in (deployed),owner", new[] { "demo.v2" })]
    [InlineData(SelectorKind.Label, "name=nothing", new string[0])]
    [InlineData(SelectorKind.Field, "metadata.name=demo.v2", new[] { "demo.v2" })]
    [InlineData(SelectorKind.Field, "metadata.name==web.v1", new[] { "web.v1" })]
    [InlineData(SelectorKind.Field, "metadata.namespace=team-b", new[] { "unlabelled", "web.v1" })]
    [InlineData(SelectorKind.Field, "metadata.namespace!=team-a,metadata.name!=web.v1", new[] { "unlabelled" })]
    public async Task ListAllNamespaces_WithLabelOrFieldSelector_ReturnsMatchingItems(SelectorKind kind, string selector, string[] expected)
    {
        await using var sandbox = await StartWithReleasesAsync();

        var list = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(
            labelSelector: kind == SelectorKind.Label ? selector : null,
            fieldSelector: kind == SelectorKind.Field ? selector : null);

        Assert.Equal(expected, list.Items.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task ListNamespaced_ReturnsTypedListWithResourceVersion()
    {
        await using var sandbox = await StartWithReleasesAsync();

        var response = await sandbox.Http.GetAsync("api/v1/namespaces/team-a/secrets?labelSelector=name%3Ddemo");
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("SecretList", list["kind"]!.GetValue<string>());
        Assert.Equal("v1", list["apiVersion"]!.GetValue<string>());
        Assert.Equal(sandbox.Server.Store.ResourceVersion.ToString(), list["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(3, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task ListInMissingNamespace_ReturnsEmptyList()
    {
        await using var sandbox = await StartWithReleasesAsync();

        var list = await sandbox.Client.CoreV1.ListNamespacedSecretAsync("nowhere");

        Assert.Empty(list.Items);
    }

    [Fact]
    public async Task List_WithInvalidLabelSelector_Returns400()
    {
        await using var sandbox = await StartWithReleasesAsync();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ListNamespacedSecretAsync("team-a", labelSelector: "a b c"));

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("BadRequest", status.Reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(50)]
    public async Task Paging_CollectsEveryItemExactlyOnce(int limit)
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var expected = new List<string>();
        // "team-b/..." sorts before "team/..." as text but after it in the store's (namespace, name) order: a
        // continue position compared as text would skip a namespace.
        foreach (var ns in new[] { "team", "team-b", "teams" })
        {
            for (var i = 0; i < 7; i++)
            {
                sandbox.Seed(ns, $"s{i}");
                expected.Add($"{ns}/s{i}");
            }
        }

        var collected = new List<string>();
        var remainingCounts = new List<long?>();
        string? continueToken = null;
        do
        {
            var page = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(limit: limit, continueParameter: continueToken);
            Assert.True(page.Items.Count <= limit);
            collected.AddRange(page.Items.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}"));
            continueToken = page.Metadata.ContinueProperty;
            remainingCounts.Add(page.Metadata.RemainingItemCount);
        }
        while (!string.IsNullOrEmpty(continueToken));

        Assert.Equal(expected, collected);
        Assert.Equal((int)Math.Ceiling(21.0 / limit), remainingCounts.Count);
        Assert.Equal(
            Enumerable.Range(1, remainingCounts.Count).Select(page => page == remainingCounts.Count ? (long?)null : 21 - (page * limit)),
            remainingCounts);
    }

    [Fact]
    public async Task Paging_WithLabelSelector_FillsPagesWithMatchesOnly()
    {
        await using var sandbox = await StartWithReleasesAsync();

        var first = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "owner=helm", limit: 2);
        var second = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: "owner=helm", limit: 2, continueParameter: first.Metadata.ContinueProperty);

        Assert.Equal(["demo.v1", "demo.v2"], first.Items.Select(s => s.Metadata.Name));
        Assert.Null(first.Metadata.RemainingItemCount);
        Assert.Equal(["demo.v3", "web.v1"], second.Items.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task Paging_WithGarbageContinueToken_Returns400()
    {
        await using var sandbox = await StartWithReleasesAsync();

        var (code, _) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(limit: 1, continueParameter: "!!!not-a-token"));

        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Theory]
    [InlineData("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")]
    [InlineData("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json")]
    [InlineData("application/json;as=Table;v=v2;g=meta.k8s.io,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json")]
    [InlineData("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")]
    public async Task List_AskingForPartialObjectMetadata_ReturnsMetadataOnly(string accept)
    {
        await using var sandbox = await StartWithReleasesAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/team-a/secrets?labelSelector=owner%3Dhelm");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await sandbox.Http.SendAsync(request);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", response.Content.Headers.GetValues("Content-Type").Single().Replace(" ", ""));
        Assert.Equal("PartialObjectMetadataList", list["kind"]!.GetValue<string>());
        Assert.Equal("meta.k8s.io/v1", list["apiVersion"]!.GetValue<string>());
        Assert.NotNull(list["metadata"]!["resourceVersion"]);
        var items = list["items"]!.AsArray();
        Assert.Equal(3, items.Count);
        Assert.All(items, item =>
        {
            Assert.Equal("PartialObjectMetadata", item!["kind"]!.GetValue<string>());
            Assert.Equal("meta.k8s.io/v1", item["apiVersion"]!.GetValue<string>());
            Assert.Equal("helm", item["metadata"]!["labels"]!["owner"]!.GetValue<string>());
            Assert.Null(item["data"]);
        });
    }

    [Fact]
    public async Task Get_AskingForPartialObjectMetadata_ReturnsMetadataOnly()
    {
        await using var sandbox = await StartWithReleasesAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/team-a/secrets/demo.v1");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json");

        var response = await sandbox.Http.SendAsync(request);
        var obj = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", response.Content.Headers.GetValues("Content-Type").Single().Replace(" ", ""));
        Assert.Equal("PartialObjectMetadata", obj["kind"]!.GetValue<string>());
        Assert.Equal("demo.v1", obj["metadata"]!["name"]!.GetValue<string>());
        Assert.Null(obj["data"]);
    }

    [Theory]
    [InlineData("application/json;as=Table;v=v2;g=meta.k8s.io")]
    [InlineData("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")]
    public async Task List_AskingOnlyForUnservedRepresentation_Returns406(string accept)
    {
        await using var sandbox = await StartWithReleasesAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/team-a/secrets");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));

        var response = await sandbox.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task GenericClient_ListsDeploymentsAsTypedObjects()
    {
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Scenario = Scenario.Load("gitlab-cny") });
        using var generic = new GenericClient(sandbox.Client, "apps", "v1", "deployments", disposeClient: false);

        var list = await generic.ListNamespacedAsync<V1DeploymentList>("gitlab-cny");

        Assert.Equal(12, list.Items.Count);
        Assert.Contains(list.Items, d => d.Metadata.Name == "gitlab-cny-webservice");
    }
}
