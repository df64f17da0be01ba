using HelmUnstick.Sandbox.Patching;

namespace HelmUnstick.Sandbox.Tests;

public sealed class ServerSideApplyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 16, 0, 0, TimeSpan.Zero);

    // The Deployment Helm 4.1 applies in `helm upgrade --set replicas=2` (traces: helm4.1/08-upgrade).
    private const string HelmDeployment = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"meta.helm.sh/release-name":"demo","meta.helm.sh/release-namespace":"team-a"},"labels":{"app.kubernetes.io/instance":"demo","app.kubernetes.io/managed-by":"Helm","app.kubernetes.io/name":"demo"},"name":"demo-web","namespace":"team-a"},"spec":{"replicas":2,"selector":{"matchLabels":{"app.kubernetes.io/instance":"demo"}},"template":{"metadata":{"labels":{"app.kubernetes.io/instance":"demo"}},"spec":{"containers":[{"env":[{"name":"GREETING","valueFrom":{"configMapKeyRef":{"key":"greeting","name":"demo-cfg"}}}],"image":"nginx:1.25","name":"web"}]}}}}""";

    [Fact]
    public void Apply_ToNoLiveObject_CreatesItOwnedByTheApplyManager()
    {
        var applied = Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo-cfg","namespace":"team-a","labels":{"app":"demo"}},"data":{"greeting":"hello"}}""");

        var result = ServerSideApply.Apply(null, applied, "helm", force: false, Now);

        Assert.True(result.Succeeded);
        var managed = Assert.Single(result.Object!["metadata"]!["managedFields"]!.AsArray())!;
        Assert.Equal(
            """{"manager":"helm","operation":"Apply","apiVersion":"v1","time":"2026-11-24T16:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:greeting":{}},"f:metadata":{"f:labels":{"f:app":{}}}}}""",
            managed.ToJsonString());
        Assert.Equal("hello", result.Object["data"]!["greeting"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_KeyedListItems_AreOwnedByMergeKey()
    {
        var result = ServerSideApply.Apply(null, Parse(HelmDeployment), "helm", force: false, Now);

        var fields = result.Object!["metadata"]!["managedFields"]![0]!["fieldsV1"]!;
        var container = fields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"web\"}"]!;
        Assert.NotNull(container["."]);
        Assert.NotNull(container["f:image"]);
        Assert.NotNull(container["f:env"]!["k:{\"name\":\"GREETING\"}"]!["f:valueFrom"]!["f:configMapKeyRef"]!["f:key"]);
    }

    [Fact]
    public void Apply_ChangingAFieldAnotherManagerUpdated_ConflictsLikeTheApiServer()
    {
        var live = ServerSideApply.RecordUpdate(null, WithReplicas(Parse(HelmDeployment), 1), "kubectl-client-side-apply", Now);

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", force: false, Now);

        Assert.False(result.Succeeded);
        Assert.Null(result.Object);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas", result.ConflictMessage);
        var status = result.ToConflictStatus();
        Assert.Equal(409, status["code"]!.GetValue<int>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(".spec.replicas", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_TwoConflictingFields_ListsThemUnderTheManager()
    {
        var other = Parse(HelmDeployment);
        other["spec"]!["replicas"] = 5;
        other["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.24";
        var live = ServerSideApply.RecordUpdate(null, other, "kubectl", Now);

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", force: false, Now);

        Assert.Equal(
            "Apply failed with 2 conflicts: conflicts with \"kubectl\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image",
            result.ConflictMessage);
    }

    [Fact]
    public void Apply_WithForce_TakesTheFieldOverFromTheOtherManager()
    {
        var live = ServerSideApply.RecordUpdate(null, WithReplicas(Parse(HelmDeployment), 1), "kubectl-client-side-apply", Now);

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", force: true, Now);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Object!["spec"]!["replicas"]!.GetValue<int>());
        var kubectlFields = ManagedFieldsOf(result.Object, "kubectl-client-side-apply");
        Assert.Null(kubectlFields["f:spec"]!["f:replicas"]);
        Assert.NotNull(ManagedFieldsOf(result.Object, "helm")["f:spec"]!["f:replicas"]);
    }

    [Fact]
    public void Apply_SameValueAsAnotherManager_SharesOwnershipWithoutConflict()
    {
        var live = ServerSideApply.RecordUpdate(null, Parse(HelmDeployment), "helm", Now);

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", force: false, Now);

        Assert.True(result.Succeeded);
        Assert.NotNull(ManagedFieldsOf(result.Object!, "helm", "Update")["f:spec"]!["f:replicas"]);
        Assert.NotNull(ManagedFieldsOf(result.Object!, "helm", "Apply")["f:spec"]!["f:replicas"]);
    }

    [Fact]
    public void Apply_FieldNoLongerApplied_IsRemovedWhenOnlyThisManagerOwnedIt()
    {
        var first = ServerSideApply.Apply(null, Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}}"""), "helm", false, Now).Object;

        var second = ServerSideApply.Apply(first, Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""), "helm", false, Now);

        Assert.Equal("""{"a":"1"}""", second.Object!["data"]!.ToJsonString());
        Assert.Null(ManagedFieldsOf(second.Object, "helm")["f:data"]!["f:b"]);
    }

    [Fact]
    public void Apply_FieldNoLongerApplied_StaysWhenAnotherManagerOwnsIt()
    {
        var first = ServerSideApply.Apply(null, Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}}"""), "helm", false, Now).Object!;
        var shared = ServerSideApply.Apply(first, Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"b":"2"}}"""), "other", false, Now).Object;

        var result = ServerSideApply.Apply(shared, Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""), "helm", false, Now);

        Assert.Equal("""{"a":"1","b":"2"}""", result.Object!["data"]!.ToJsonString());
    }

    [Fact]
    public void Apply_ContainerNoLongerApplied_IsRemovedFromTheList()
    {
        var twoContainers = Parse(HelmDeployment);
        twoContainers["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(Parse("""{"name":"sidecar","image":"busybox"}"""));
        var live = ServerSideApply.Apply(null, twoContainers, "helm", false, Now).Object;

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", false, Now);

        var names = result.Object!["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c?["name"]?.GetValue<string>()).ToList();
        Assert.Equal(["web"], names);
    }

    [Fact]
    public void Apply_KeepsFieldsThatOnlyTheServerSet()
    {
        var live = Parse(HelmDeployment);
        live["metadata"]!["uid"] = "u-1";
        live["status"] = Parse("""{"replicas":2}""");

        var result = ServerSideApply.Apply(live, Parse(HelmDeployment), "helm", false, Now);

        Assert.Equal("u-1", result.Object!["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal(2, result.Object["status"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void RecordUpdate_HelmThreeStrategicPatch_MovesOnlyTheChangedFieldToThePatcher()
    {
        var created = ServerSideApply.RecordUpdate(null, WithReplicas(Parse(HelmDeployment), 1), "helm", Now);
        var patched = StrategicMergePatch.Apply(created, Parse("""{"spec":{"replicas":2}}"""), "Deployment");

        var result = ServerSideApply.RecordUpdate(created, patched, "kubectl-edit", Now);

        Assert.NotNull(ManagedFieldsOf(result, "kubectl-edit")["f:spec"]!["f:replicas"]);
        Assert.Null(ManagedFieldsOf(result, "helm")["f:spec"]!["f:replicas"]);
        Assert.NotNull(ManagedFieldsOf(result, "helm")["f:spec"]!["f:selector"]);
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject WithReplicas(JsonObject deployment, int replicas)
    {
        deployment["spec"]!["replicas"] = replicas;
        return deployment;
    }

    private static JsonObject ManagedFieldsOf(JsonObject obj, string manager, string? operation = null) =>
        obj["metadata"]!["managedFields"]!.AsArray()
            .Single(e => e!["manager"]!.GetValue<string>() == manager && (operation is null || e["operation"]!.GetValue<string>() == operation))!
            ["fieldsV1"]!.AsObject();
}
