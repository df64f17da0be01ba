namespace HelmUnstick.Sandbox.Tests;

public sealed class CrudTests
{
    private static V1Secret NewSecret(string name, string? resourceVersion = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, ResourceVersion = resourceVersion, Labels = new Dictionary<string, string> { ["owner"] = "helm" } },
        Data = new Dictionary<string, byte[]> { ["release"] = "payload"u8.ToArray() },
    };

    [Fact]
    public async Task Create_ThenGet_ReturnsObjectWithServerAssignedIdentity()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var created = await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "default");
        var fetched = await sandbox.Client.CoreV1.ReadNamespacedSecretAsync("s1", "default");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(created.Metadata.ResourceVersion, fetched.Metadata.ResourceVersion);
        Assert.Equal(created.Metadata.Uid, fetched.Metadata.Uid);
        Assert.Equal("default", fetched.Metadata.NamespaceProperty);
        Assert.Equal("payload"u8.ToArray(), fetched.Data["release"]);
    }

    [Fact]
    public async Task Create_WithGenerateName_AppendsRandomSuffix()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var created = await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "cfg-" } }, "default");

        Assert.Matches("^cfg-[a-z0-9]{5}$", created.Metadata.Name);
    }

    [Fact]
    public async Task Get_Missing_Returns404NotFoundStatus()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ReadNamespacedSecretAsync("x", "default"));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("Failure", status.Status);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("secrets \"x\" not found", status.Message);
        Assert.Equal("x", status.Details.Name);
        Assert.Equal("secrets", status.Details.Kind);
        Assert.Equal(404, status.Code);
    }

    [Fact]
    public async Task Get_MissingDeployment_NamesTheGroupInMessage()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var (_, status) = await RunningSandbox.FailureOf(() => sandbox.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"));

        Assert.Equal("deployments.apps \"web\" not found", status.Message);
        Assert.Equal("apps", status.Details.Group);
    }

    [Fact]
    public async Task Create_Existing_Returns409AlreadyExists()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "default"));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", status.Reason);
        Assert.Equal("secrets \"s1\" already exists", status.Message);
    }

    [Fact]
    public async Task Create_InMissingNamespace_Returns404ForTheNamespace()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "nowhere"));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("namespaces \"nowhere\" not found", status.Message);
        Assert.Equal("namespaces", status.Details.Kind);
    }

    [Fact]
    public async Task Create_WithoutName_Returns422Invalid()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta() }, "default"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", status.Reason);
        Assert.Equal("Secret \"\" is invalid: metadata.name: Required value: name or generateName is required", status.Message);
        Assert.Equal("metadata.name", Assert.Single(status.Details.Causes).Field);
    }

    [Fact]
    public async Task Create_WithDryRun_DoesNotStore()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var answered = await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "default", dryRun: "All");

        Assert.Equal("s1", answered.Metadata.Name);
        Assert.Null(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Update_WithStaleResourceVersion_Returns409Conflict()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var created = await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "default");
        var changed = NewSecret("s1", created.Metadata.ResourceVersion);
        changed.Metadata.Labels["status"] = "failed";
        await sandbox.Client.CoreV1.ReplaceNamespacedSecretAsync(changed, "s1", "default");

        var (code, status) = await RunningSandbox.FailureOf(() =>
            sandbox.Client.CoreV1.ReplaceNamespacedSecretAsync(NewSecret("s1", created.Metadata.ResourceVersion), "s1", "default"));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal(
            "Operation cannot be fulfilled on secrets \"s1\": the object has been modified; please apply your changes to the latest version and try again",
            status.Message);
    }

    [Fact]
    public async Task Update_WithoutResourceVersion_ReplacesUnconditionally()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var created = await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(NewSecret("s1"), "default");
        var replacement = NewSecret("s1");
        replacement.Metadata.Labels["status"] = "failed";

        var updated = await sandbox.Client.CoreV1.ReplaceNamespacedSecretAsync(replacement, "s1", "default");

        Assert.Equal("failed", updated.Metadata.Labels["status"]);
        Assert.Equal(created.Metadata.Uid, updated.Metadata.Uid);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Update_Missing_Returns404()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ReplaceNamespacedSecretAsync(NewSecret("s1"), "s1", "default"));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("secrets \"s1\" not found", status.Message);
    }

    [Fact]
    public async Task Delete_ReturnsSuccessStatusAndRemovesObject()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var seeded = sandbox.Seed("default", "s1");

        var status = await sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default");

        Assert.Equal("Success", status.Status);
        Assert.Equal("s1", status.Details.Name);
        Assert.Equal(seeded["metadata"]!["uid"]!.GetValue<string>(), status.Details.Uid);
        Assert.Null(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Theory]
    [InlineData("uid", "Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: ")]
    [InlineData("resourceVersion", "Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ")]
    public async Task Delete_WithFailedPrecondition_Returns409AndKeepsObject(string precondition, string expectedProblem)
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var seeded = sandbox.Seed("default", "s1");
        var options = new V1DeleteOptions
        {
            Preconditions = precondition == "uid"
                ? new V1Preconditions { Uid = "00000000-0000-0000-0000-000000000000" }
                : new V1Preconditions { ResourceVersion = "1" },
        };
        var actual = precondition == "uid" ? seeded["metadata"]!["uid"]!.GetValue<string>() : seeded["metadata"]!["resourceVersion"]!.GetValue<string>();

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default", options));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal($"Operation cannot be fulfilled on secrets \"s1\": {expectedProblem}{actual}", status.Message);
        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Delete_WithMatchingPreconditions_Deletes()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var seeded = sandbox.Seed("default", "s1");
        var options = new V1DeleteOptions
        {
            Preconditions = new V1Preconditions
            {
                Uid = seeded["metadata"]!["uid"]!.GetValue<string>(),
                ResourceVersion = seeded["metadata"]!["resourceVersion"]!.GetValue<string>(),
            },
        };

        await sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default", options);

        Assert.Null(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task Delete_WithDryRun_KeepsObject()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");

        await sandbox.Client.CoreV1.DeleteNamespacedSecretAsync("s1", "default", dryRun: "All");

        Assert.NotNull(sandbox.Server.Store.Get("v1", "secrets", "default", "s1"));
    }

    [Fact]
    public async Task DeleteNamespace_ReturnsTerminatingNamespaceAndRemovesContents()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("team-a", "s1");

        var deleted = await sandbox.Client.CoreV1.DeleteNamespaceAsync("team-a");

        Assert.Equal("Terminating", deleted.ObjectView<V1Namespace>().Status.Phase);
        Assert.Empty(sandbox.Server.Store.List("v1", "secrets", "team-a"));
    }

    [Fact]
    public async Task MergePatch_ChangesOnlyGivenFields()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "pending-upgrade", ["owner"] = "helm" });
        var patch = new V1Patch("""{"metadata":{"labels":{"status":"failed","owner":null}}}""", V1Patch.PatchType.MergePatch);

        var patched = await sandbox.Client.CoreV1.PatchNamespacedSecretAsync(patch, "s1", "default");

        Assert.Equal(new Dictionary<string, string> { ["status"] = "failed" }, patched.Metadata.Labels);
        Assert.Equal("dg==", Convert.ToBase64String(patched.Data["k"]));
    }

    [Fact]
    public async Task JsonPatch_AppliesOperationsInOrder()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "pending-upgrade" });
        var patch = new V1Patch(
            """[{"op":"test","path":"/metadata/labels/status","value":"pending-upgrade"},{"op":"replace","path":"/metadata/labels/status","value":"failed"},{"op":"add","path":"/metadata/labels/a~1b","value":"c"}]""",
            V1Patch.PatchType.JsonPatch);

        var patched = await sandbox.Client.CoreV1.PatchNamespacedSecretAsync(patch, "s1", "default");

        Assert.Equal(new Dictionary<string, string> { ["status"] = "failed", ["a/b"] = "c" }, patched.Metadata.Labels);
    }

    [Fact]
    public async Task JsonPatch_WithFailingTest_Returns422AndKeepsObject()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "deployed" });
        var patch = new V1Patch("""[{"op":"test","path":"/metadata/labels/status","value":"pending-upgrade"},{"op":"remove","path":"/metadata/labels/status"}]""", V1Patch.PatchType.JsonPatch);

        var (code, _) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.PatchNamespacedSecretAsync(patch, "s1", "default"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("deployed", sandbox.Server.Store.Get("v1", "secrets", "default", "s1")!["metadata"]!["labels"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task MergePatch_WithStaleResourceVersion_Returns409Conflict()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        var patch = new V1Patch("""{"metadata":{"resourceVersion":"1","labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch);

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.PatchNamespacedSecretAsync(patch, "s1", "default"));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status.Reason);
    }

    [Fact]
    public async Task Patch_WithUnsupportedContentType_Returns415()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1");
        var request = new HttpRequestMessage(HttpMethod.Patch, "api/v1/namespaces/default/secrets/s1")
        {
            Content = new StringContent("{}", null, "application/x-unknown-patch"),
        };

        var response = await sandbox.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UnsupportedMediaType", KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync()).Reason);
    }

    [Fact]
    public async Task DeploymentSpecChange_IncrementsGeneration()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var created = await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(WebDeployment.With(1), "default");

        var labelOnly = await sandbox.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch), "web", "default");
        var scaled = await sandbox.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", "default");

        Assert.Equal((1L, 1L, 2L), (created.Metadata.Generation, labelOnly.Metadata.Generation, scaled.Metadata.Generation));
    }

    [Fact]
    public async Task UnknownPath_Returns404Status()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var response = await sandbox.Http.GetAsync("apis/nope/v1/things");
        var status = KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("the server could not find the requested resource", status.Message);
    }

    [Fact]
    public async Task UpdateAndPatch_WithDryRun_DoNotStore()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("default", "s1", new Dictionary<string, string> { ["status"] = "pending-upgrade" });
        var replacement = NewSecret("s1");
        replacement.Metadata.Labels["status"] = "failed";

        var replaced = await sandbox.Client.CoreV1.ReplaceNamespacedSecretAsync(replacement, "s1", "default", dryRun: "All");
        var patched = await sandbox.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"labels":{"status":"failed"}}}""", V1Patch.PatchType.MergePatch), "s1", "default", dryRun: "All");

        Assert.Equal("failed", replaced.Metadata.Labels["status"]);
        Assert.Equal("failed", patched.Metadata.Labels["status"]);
        Assert.Equal("pending-upgrade", sandbox.Server.Store.Get("v1", "secrets", "default", "s1")!["metadata"]!["labels"]!["status"]!.GetValue<string>());
    }
}
