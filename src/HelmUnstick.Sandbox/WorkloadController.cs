using System.Text.Json.Nodes;

namespace HelmUnstick.Sandbox;

/// <summary>
/// Stands in for the kube-controller-manager: a Deployment, StatefulSet or DaemonSet written through the API
/// is rolled out at once (status conditions, replica counts, observedGeneration), so that helm --wait and the
/// runbook's health check see what a healthy cluster shows. A workload annotated
/// <c>sandbox.helm-unstick/never-ready: "true"</c> never becomes available, for drills of a sick cluster.
/// </summary>
internal static class WorkloadController
{
    public const string NeverReadyAnnotation = "sandbox.helm-unstick/never-ready";

    public static bool Controls(string resource) => resource is "deployments" or "statefulsets" or "daemonsets";

    public static void Reconcile(string resource, JsonObject obj, string now)
    {
        var metadata = obj["metadata"] as JsonObject;
        var generation = metadata?["generation"]?.GetValue<long>() ?? 1L;
        var ready = metadata?["annotations"]?[NeverReadyAnnotation]?.GetValue<string>() != "true";
        var spec = obj["spec"] as JsonObject;
        var replicas = spec?["replicas"] is JsonValue r && r.TryGetValue<long>(out var n) ? n : 1L;
        var available = ready ? replicas : 0L;
        JsonObject status = resource switch
        {
            "daemonsets" => new JsonObject
            {
                ["observedGeneration"] = generation,
                ["currentNumberScheduled"] = 1,
                ["desiredNumberScheduled"] = 1,
                ["numberMisscheduled"] = 0,
                ["numberReady"] = ready ? 1 : 0,
                ["updatedNumberScheduled"] = 1,
                ["numberAvailable"] = ready ? 1 : 0,
            },
            "statefulsets" => new JsonObject
            {
                ["observedGeneration"] = generation,
                ["replicas"] = replicas,
                ["readyReplicas"] = available,
                ["currentReplicas"] = replicas,
                ["updatedReplicas"] = replicas,
                ["availableReplicas"] = available,
                ["currentRevision"] = $"{metadata?["name"]}-1",
                ["updateRevision"] = $"{metadata?["name"]}-1",
            },
            _ => new JsonObject
            {
                ["observedGeneration"] = generation,
                ["replicas"] = replicas,
                ["updatedReplicas"] = replicas,
                ["readyReplicas"] = available,
                ["availableReplicas"] = available,
                ["unavailableReplicas"] = replicas - available,
                ["conditions"] = new JsonArray(
                    Condition("Available", ready, ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                        ready ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now),
                    Condition("Progressing", true, ready ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                        ready ? $"ReplicaSet \"{metadata?["name"]}\" has successfully progressed." : $"ReplicaSet \"{metadata?["name"]}\" is progressing.", now)),
            },
        };
        if (resource == "deployments" && replicas - available == 0)
        {
            status.Remove("unavailableReplicas");
        }

        obj["status"] = status;
    }

    private static JsonObject Condition(string type, bool status, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = status ? "True" : "False",
        ["lastUpdateTime"] = now,
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };
}
