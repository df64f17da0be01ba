namespace HelmUnstick.Sandbox;

/// <summary>
/// Stands in for the kube-controller-manager and friends: a Deployment, StatefulSet or DaemonSet written through the
/// API is rolled out at once (status conditions, replica counts, observedGeneration), a Job completes, a claim is
/// bound, a Service gets its cluster IP (and a LoadBalancer its ingress address), a Database becomes Ready, so that
/// helm --wait and the runbook's health check see what a healthy cluster shows. An object annotated
/// <c>sandbox.helm-unstick/never-ready: "true"</c> never gets there (a Job stays active), for drills of a sick cluster.
/// </summary>
internal static class WorkloadController
{
    public const string NeverReadyAnnotation = "sandbox.helm-unstick/never-ready";

    public static bool Controls(string resource) =>
        resource is "deployments" or "statefulsets" or "daemonsets" or "jobs" or "services" or "persistentvolumeclaims" or "databases";

    public static void Reconcile(string resource, JsonObject obj, string now)
    {
        var metadata = obj["metadata"] as JsonObject;
        var generation = metadata?["generation"]?.GetValue<long>() ?? 1L;
        var ready = metadata?["annotations"]?[NeverReadyAnnotation]?.GetValue<string>() != "true";
        if (resource is "jobs" or "services" or "persistentvolumeclaims" or "databases")
        {
            ReconcileOther(resource, obj, ready, generation, now);
            return;
        }

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

    private static void ReconcileOther(string resource, JsonObject obj, bool ready, long generation, string now)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        switch (resource)
        {
            case "jobs":
                obj["status"] = ready
                    ? new JsonObject
                    {
                        ["startTime"] = now,
                        ["completionTime"] = now,
                        ["succeeded"] = 1,
                        ["ready"] = 0,
                        ["terminating"] = 0,
                        ["uncountedTerminatedPods"] = new JsonObject(),
                        ["conditions"] = new JsonArray(
                            Condition("SuccessCriteriaMet", true, "CompletionsReached", "Reached expected number of succeeded pods", now),
                            Condition("Complete", true, "CompletionsReached", "Reached expected number of succeeded pods", now)),
                    }
                    : new JsonObject { ["startTime"] = now, ["active"] = 1, ["ready"] = 0, ["terminating"] = 0, ["uncountedTerminatedPods"] = new JsonObject() };
                break;
            case "services":
                var type = spec["type"]?.GetValue<string>() ?? "ClusterIP";
                if (type != "ExternalName" && spec["clusterIP"] is null)
                {
                    // The apiserver allocates the address on create; a name-derived one stays the same on later writes.
                    var ip = ClusterIp(obj["metadata"]?["name"]?.GetValue<string>() ?? "");
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = new JsonArray(ip);
                    obj["spec"] = spec;
                }

                obj["status"] = new JsonObject
                {
                    ["loadBalancer"] = type == "LoadBalancer" && ready
                        ? new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2.10", ["ipMode"] = "VIP" }) }
                        : new JsonObject(),
                };
                break;
            case "persistentvolumeclaims":
                obj["status"] = ready
                    ? new JsonObject
                    {
                        ["phase"] = "Bound",
                        ["accessModes"] = spec["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                        ["capacity"] = spec["resources"]?["requests"]?.DeepClone() ?? new JsonObject(),
                    }
                    : new JsonObject { ["phase"] = "Pending" };
                break;
            default:
                obj["status"] = new JsonObject
                {
                    ["observedGeneration"] = generation,
                    ["conditions"] = new JsonArray(ready
                        ? Condition("Ready", true, "Provisioned", "The database is ready.", now)
                        : Condition("Ready", false, "Provisioning", "The database is being provisioned.", now)),
                };
                break;
        }
    }

    private static string ClusterIp(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        return $"10.96.{hash[0]}.{1 + hash[1] % 254}";
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
