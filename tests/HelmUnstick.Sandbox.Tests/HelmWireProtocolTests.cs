using HelmUnstick.Sandbox.Protobuf;

namespace HelmUnstick.Sandbox.Tests;

/// <summary>What real Helm and kubectl send beyond plain JSON CRUD: protobuf, OpenAPI, aggregated discovery, tables, watches, patches.</summary>
public sealed class HelmWireProtocolTests
{
    private const string Protobuf = "application/vnd.kubernetes.protobuf";

    private static JsonObject ReleaseSecret(string name, string status) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["owner"] = "helm", ["status"] = status } },
        ["type"] = "helm.sh/release.v1",
        ["data"] = new JsonObject { ["release"] = Convert.ToBase64String("payload"u8) },
    };

    private static async Task<HttpResponseMessage> SendAsync(RunningSandbox sandbox, HttpMethod method, string path, HttpContent? content = null, string? accept = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await sandbox.Http.SendAsync(request);
    }

    private static StringContent Json(JsonNode body, string mediaType = "application/json") =>
        new(body.ToJsonString(), new MediaTypeHeaderValue(mediaType));

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    [Fact]
    public async Task CreateSecret_AsProtobufAskingForProtobuf_StoresItAndAnswersProtobuf()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var body = new ByteArrayContent(KubernetesProtobuf.EncodeObject(ReleaseSecret("sh.helm.release.v1.demo.v1", "pending-install")));
        body.Headers.ContentType = new MediaTypeHeaderValue(Protobuf);

        var response = await SendAsync(sandbox, HttpMethod.Post, "api/v1/namespaces/default/secrets", body, $"{Protobuf},application/json");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(Protobuf, response.Content.Headers.ContentType!.MediaType);
        var answered = KubernetesProtobuf.DecodeObject(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("pending-install", (string?)answered["metadata"]!["labels"]!["status"]);
        var stored = sandbox.Server.Store.Get("v1", "secrets", "default", "sh.helm.release.v1.demo.v1")!;
        Assert.Equal(Convert.ToBase64String("payload"u8), (string?)stored["data"]!["release"]);
        Assert.Equal("helm.sh/release.v1", (string?)stored["type"]);
    }

    [Fact]
    public async Task Get_OfAKindWithoutProtobufEncoding_FallsBackToJson()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await SendAsync(sandbox, HttpMethod.Get, "api/v1/namespaces/default", accept: $"{Protobuf},application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Namespace", (string?)(await JsonOf(response))["kind"]);
    }

    [Fact]
    public async Task Delete_WithProtobufDeleteOptions_HonoursTheUidPrecondition()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        var options = new ProtoDeleteOptions("00000000-0000-0000-0000-000000000000").Encode();
        var body = new ByteArrayContent(options);
        body.Headers.ContentType = new MediaTypeHeaderValue(Protobuf);

        var response = await SendAsync(sandbox, HttpMethod.Delete, "api/v1/namespaces/default/secrets/s1", body);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task OpenApiV2_AskedAsProtobuf_AnswersWithTheContentTypeGoCanParse()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await SendAsync(sandbox, HttpMethod.Get, "openapi/v2", accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", response.Content.Headers.GetValues("Content-Type").Single());
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task OpenApiV3_IndexLinksToEachGroupVersionDocument()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var index = await JsonOf(await SendAsync(sandbox, HttpMethod.Get, "openapi/v3"));
        var appsUrl = (string)index["paths"]!["apis/apps/v1"]!["serverRelativeURL"]!;
        var apps = await SendAsync(sandbox, HttpMethod.Get, appsUrl.TrimStart('/'));

        Assert.Equal(HttpStatusCode.OK, apps.StatusCode);
        Assert.NotNull((await JsonOf(apps))["components"]);
    }

    [Theory]
    [InlineData("api", "")]
    [InlineData("apis", "apps")]
    public async Task Discovery_AskedForTheAggregatedForm_AnswersAPIGroupDiscoveryList(string path, string group)
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await SendAsync(sandbox, HttpMethod.Get, path,
            accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");

        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.GetValues("Content-Type").Single().Replace(" ", ""));
        var list = await JsonOf(response);
        Assert.Equal("APIGroupDiscoveryList", (string?)list["kind"]);
        Assert.Contains(list["items"]!.AsArray(), item => ((string?)item!["metadata"]!["name"] ?? "") == group);
    }

    [Fact]
    public async Task Discovery_AskedForPlainJson_AnswersTheLegacyDocuments()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var list = await JsonOf(await SendAsync(sandbox, HttpMethod.Get, "apis", accept: "application/json"));

        Assert.Equal("APIGroupList", (string?)list["kind"]);
    }

    [Fact]
    public async Task List_AskedAsTable_AnswersTheSecretColumnsWithFullObjects()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Server.Store.Upsert("v1", "secrets", ReleaseSecret("sh.helm.release.v1.demo.v1", "deployed"));

        var response = await SendAsync(sandbox, HttpMethod.Get, "api/v1/namespaces/default/secrets?includeObject=Object",
            accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        var table = await JsonOf(response);
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal(["Name", "Type", "Data", "Age"], table["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!));
        var row = Assert.Single(table["rows"]!.AsArray())!;
        Assert.Equal("sh.helm.release.v1.demo.v1", (string?)row["cells"]![0]);
        Assert.Equal("helm.sh/release.v1", (string?)row["cells"]![1]);
        Assert.Equal("Secret", (string?)row["object"]!["kind"]);
    }

    [Fact]
    public async Task Watch_WithSendInitialEvents_SendsCurrentObjectsThenTheEndBookmarkThenChanges()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "before");
        var request = new HttpRequestMessage(HttpMethod.Get,
            "api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=30");

        using var response = await sandbox.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        var added = JsonNode.Parse((await events.ReadLineAsync())!)!;
        var bookmark = JsonNode.Parse((await events.ReadLineAsync())!)!;
        sandbox.Seed("default", "after");
        var change = JsonNode.Parse((await events.ReadLineAsync())!)!;

        Assert.Equal(("ADDED", "before"), ((string?)added["type"], (string?)added["object"]!["metadata"]!["name"]));
        Assert.Equal("BOOKMARK", (string?)bookmark["type"]);
        Assert.Equal("true", (string?)bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
        Assert.Equal(("ADDED", "after"), ((string?)change["type"], (string?)change["object"]!["metadata"]!["name"]));
    }

    [Fact]
    public async Task Watch_FromAResourceVersion_ReplaysLaterChangesIncludingDeletes()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var seeded = sandbox.Seed("default", "s1");
        sandbox.Server.Store.Delete("v1", "secrets", "default", "s1");

        var request = new HttpRequestMessage(HttpMethod.Get,
            $"api/v1/namespaces/default/secrets?watch=true&resourceVersion={seeded["metadata"]!["resourceVersion"]}&timeoutSeconds=30");
        using var response = await sandbox.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        var deleted = JsonNode.Parse((await events.ReadLineAsync())!)!;

        Assert.Equal(("DELETED", "s1"), ((string?)deleted["type"], (string?)deleted["object"]!["metadata"]!["name"]));
    }

    [Fact]
    public async Task Watch_AskedAsTable_SendsEachObjectAsAOneRowTable()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Server.Store.Upsert("v1", "secrets", ReleaseSecret("sh.helm.release.v1.demo.v1", "deployed"));
        var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=30");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        using var response = await sandbox.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        var added = JsonNode.Parse((await events.ReadLineAsync())!)!;

        Assert.Equal("ADDED", (string?)added["type"]);
        Assert.Equal("Table", (string?)added["object"]!["kind"]);
        var row = Assert.Single(added["object"]!["rows"]!.AsArray())!;
        Assert.Equal(["sh.helm.release.v1.demo.v1", "helm.sh/release.v1", "1"], row["cells"]!.AsArray().Take(3).Select(cell => cell!.ToString()));
    }

    [Fact]
    public async Task Watch_WithNothingToReport_SendsTheResponseHeadersAtOnce()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var version = sandbox.Server.Store.ResourceVersion;
        using var client = new HttpClient { BaseAddress = sandbox.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Without the headers flushed this waits for the watch to time out after an hour, and the client gives up first.
        using var response = await client.GetAsync(
            $"api/v1/namespaces/default/secrets?watch=true&resourceVersion={version}&timeoutSeconds=3600", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task StrategicMergePatch_OfAContainerByName_KeepsTheOtherContainers()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await SendAsync(sandbox, HttpMethod.Post, "apis/apps/v1/namespaces/default/deployments", Json(Deployment("web", "nginx:1.25", sidecar: true)));
        var patch = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}""")!;

        var response = await SendAsync(sandbox, HttpMethod.Patch, "apis/apps/v1/namespaces/default/deployments/web?fieldManager=helm",
            Json(patch, "application/strategic-merge-patch+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var containers = (await JsonOf(response))["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["web:nginx:1.26", "sidecar:busybox"], containers.Select(c => $"{c!["name"]}:{c["image"]}"));
    }

    [Fact]
    public async Task ServerSideApply_CreatesThenConflictsWithAnotherManagerUnlessForced()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var path = "api/v1/namespaces/default/configmaps/cfg";
        JsonObject ConfigMap(string greeting) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "cfg" },
            ["data"] = new JsonObject { ["greeting"] = greeting },
        };

        var created = await SendAsync(sandbox, HttpMethod.Patch, $"{path}?fieldManager=helm", Json(ConfigMap("hello"), "application/apply-patch+yaml"));
        var conflict = await SendAsync(sandbox, HttpMethod.Patch, $"{path}?fieldManager=kubectl", Json(ConfigMap("hi"), "application/apply-patch+yaml"));
        var dryRun = await SendAsync(sandbox, HttpMethod.Patch, $"{path}?fieldManager=kubectl&force=true&dryRun=All", Json(ConfigMap("hi"), "application/apply-patch+yaml"));
        var unchanged = sandbox.Server.Store.Get("v1", "configmaps", "default", "cfg")!;
        var forced = await SendAsync(sandbox, HttpMethod.Patch, $"{path}?fieldManager=kubectl&force=true", Json(ConfigMap("hi"), "application/apply-patch+yaml"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("conflict with \"helm\"", (string?)(await JsonOf(conflict))["message"]);
        Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
        Assert.Equal("hello", (string?)unchanged["data"]!["greeting"]);
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Equal("hi", (string?)sandbox.Server.Store.Get("v1", "configmaps", "default", "cfg")!["data"]!["greeting"]);
    }

    [Theory]
    [InlineData("Strict", HttpStatusCode.Created)]
    [InlineData("Ignore", HttpStatusCode.Created)]
    [InlineData("Loose", HttpStatusCode.BadRequest)]
    public async Task Create_WithFieldValidation_AcceptsOnlyTheApiserversModes(string mode, HttpStatusCode expected)
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await SendAsync(sandbox, HttpMethod.Post, $"api/v1/namespaces/default/secrets?fieldManager=helm&fieldValidation={mode}",
            Json(ReleaseSecret("s1", "deployed")));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Deployment_WrittenTwiceWithDifferentTemplates_GetsANewReplicaSetAndTheOldOneScaledToZero()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await SendAsync(sandbox, HttpMethod.Post, "apis/apps/v1/namespaces/default/deployments", Json(Deployment("web", "nginx:1.25")));
        var deploymentUid = (string?)sandbox.Server.Store.Get("apps/v1", "deployments", "default", "web")!["metadata"]!["uid"];

        await SendAsync(sandbox, HttpMethod.Patch, "apis/apps/v1/namespaces/default/deployments/web",
            Json(JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}""")!, "application/strategic-merge-patch+json"));

        var replicaSets = sandbox.Server.Store.List("apps/v1", "replicasets", "default");
        Assert.Equal(2, replicaSets.Count);
        Assert.All(replicaSets, rs => Assert.Equal(deploymentUid, (string?)rs["metadata"]!["ownerReferences"]![0]!["uid"]));
        var byRevision = replicaSets.ToDictionary(rs => (string)rs["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!);
        Assert.Equal(0, (long)byRevision["1"]["spec"]!["replicas"]!);
        Assert.Equal(2, (long)byRevision["2"]["spec"]!["replicas"]!);
        Assert.Equal(2, (long)byRevision["2"]["status"]!["readyReplicas"]!);
        Assert.Equal("nginx:1.26", (string?)byRevision["2"]["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal((string?)byRevision["2"]["metadata"]!["labels"]!["pod-template-hash"], (string?)byRevision["2"]["spec"]!["selector"]!["matchLabels"]!["pod-template-hash"]);

        await SendAsync(sandbox, HttpMethod.Delete, "apis/apps/v1/namespaces/default/deployments/web");
        Assert.Empty(sandbox.Server.Store.List("apps/v1", "replicasets", "default"));
    }

    [Fact]
    public async Task ScaleSubresource_PatchedReplicas_ChangeTheDeploymentAndItsReplicaSet()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await SendAsync(sandbox, HttpMethod.Post, "apis/apps/v1/namespaces/default/deployments", Json(Deployment("web", "nginx:1.25")));

        var before = await JsonOf(await SendAsync(sandbox, HttpMethod.Get, "apis/apps/v1/namespaces/default/deployments/web/scale"));
        var after = await JsonOf(await SendAsync(sandbox, HttpMethod.Patch, "apis/apps/v1/namespaces/default/deployments/web/scale",
            Json(JsonNode.Parse("""{"spec":{"replicas":5}}""")!, "application/merge-patch+json")));

        Assert.Equal(("Scale", 2L, "app=web"), ((string?)before["kind"], (long)before["spec"]!["replicas"]!, (string?)before["status"]!["selector"]));
        Assert.Equal(5, (long)after["spec"]!["replicas"]!);
        Assert.Equal(5, (long)sandbox.Server.Store.Get("apps/v1", "deployments", "default", "web")!["status"]!["availableReplicas"]!);
        Assert.Equal(5, (long)Assert.Single(sandbox.Server.Store.List("apps/v1", "replicasets", "default"))["status"]!["readyReplicas"]!);
    }

    private static JsonObject Deployment(string name, string image, bool sidecar = false)
    {
        var containers = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = image });
        if (sidecar)
        {
            containers.Add(new JsonObject { ["name"] = "sidecar", ["image"] = "busybox" });
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 2,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject { ["containers"] = containers },
                },
            },
        };
    }

    /// <summary>DeleteOptions with a uid precondition, encoded as client-go sends it.</summary>
    private sealed record ProtoDeleteOptions(string Uid)
    {
        public byte[] Encode()
        {
            var uid = Encoding.UTF8.GetBytes(Uid);
            byte[] preconditions = [0x0a, (byte)uid.Length, .. uid];
            byte[] raw = [0x12, (byte)preconditions.Length, .. preconditions];
            var unknown = new KubernetesUnknown("v1", "DeleteOptions", raw, "", "");
            return KubernetesProtobuf.EncodeEnvelope(unknown);
        }
    }
}
