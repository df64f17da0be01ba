namespace HelmUnstick.Core.Tests.Liveness;

public sealed class WaitRulesTests
{
    public static TheoryData<string, string?> Objects => new()
    {
        // Helm 3's ready checker.
        { """{"kind":"Pod","status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""", null },
        { """{"kind":"Pod","status":{"phase":"Pending"}}""", "not Ready (phase Pending)" },
        { """{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2}}""", null },
        { """{"kind":"Deployment","metadata":{"generation":3},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2}}""", "the controller has not observed generation 3 yet (observed 2)" },
        { """{"kind":"Deployment","spec":{"replicas":2},"status":{"updatedReplicas":2,"readyReplicas":0,"availableReplicas":0}}""", "ready 0/2, available 0/2" },
        { """{"kind":"Deployment","spec":{"replicas":2,"paused":true},"status":{}}""", null },
        { """{"kind":"StatefulSet","spec":{"replicas":1},"status":{"readyReplicas":1,"updatedReplicas":1,"currentRevision":"db-1","updateRevision":"db-2"}}""", "current revision db-1 is not the update revision db-2" },
        { """{"kind":"DaemonSet","status":{"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":2,"numberReady":2}}""", "available 2/3, ready 2/3" },
        { """{"kind":"ReplicaSet","spec":{"replicas":1},"status":{"readyReplicas":1,"availableReplicas":1}}""", null },
        { """{"kind":"PersistentVolumeClaim","status":{"phase":"Pending"}}""", "not Bound (phase Pending)" },
        { """{"kind":"PersistentVolumeClaim","status":{"phase":"Bound"}}""", null },
        { """{"kind":"Service","spec":{"type":"ClusterIP","clusterIP":"10.96.0.12"}}""", null },
        { """{"kind":"Service","spec":{"type":"ClusterIP"}}""", "no cluster IP assigned" },
        { """{"kind":"Service","spec":{"type":"LoadBalancer","clusterIP":"10.96.0.12"},"status":{"loadBalancer":{}}}""", "LoadBalancer without an ingress address" },
        { """{"kind":"Service","spec":{"type":"ExternalName","externalName":"db.example.com"}}""", null },
        { """{"kind":"Job","status":{"active":1}}""", "not complete (succeeded 0, active 1)" },
        { """{"kind":"Job","status":{"failed":1,"conditions":[{"type":"Failed","status":"True"}]}}""", null },
        { """{"kind":"CustomResourceDefinition","status":{"conditions":[{"type":"Established","status":"False"}]}}""", "not Established" },
        // Helm 4's kstatus for any other kind.
        { """{"kind":"Certificate","status":{"conditions":[{"type":"Ready","status":"False","reason":"Issuing"}]}}""", "Ready=False (Issuing)" },
        { """{"kind":"Certificate","status":{"conditions":[{"type":"Reconciling","status":"True","reason":"Progressing"}]}}""", "Reconciling (Progressing)" },
        { """{"kind":"Certificate","metadata":{"generation":2},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}]}}""", "the controller has not observed generation 2 yet (observed 1)" },
        { """{"kind":"Certificate","status":{"conditions":[{"type":"Ready","status":"True"}]}}""", null },
        { """{"kind":"ConfigMap","data":{"a":"b"}}""", null },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void StillWaitingOn_IsTheUnionOfHelm3AndKstatus(string live, string? expected)
    {
        Assert.Equal(expected, WaitRules.StillWaitingOn(JsonNode.Parse(live)!.AsObject()));
    }

    [Theory]
    [InlineData("""{"kind":"Job","status":{"active":1}}""", "not complete (succeeded 0, active 1)")]
    [InlineData("""{"kind":"Job","status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}""", null)]
    [InlineData("""{"kind":"Pod","status":{"phase":"Running"}}""", "has not finished (phase Running)")]
    [InlineData("""{"kind":"Pod","status":{"phase":"Succeeded"}}""", null)]
    [InlineData("""{"kind":"ConfigMap"}""", null)]
    public void UnfinishedHook_OnlyJobsAndPodsAreWaitedFor(string live, string? expected)
    {
        Assert.Equal(expected, WaitRules.UnfinishedHook(JsonNode.Parse(live)!.AsObject()));
    }
}
