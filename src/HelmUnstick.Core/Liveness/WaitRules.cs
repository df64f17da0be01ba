using System.Globalization;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Liveness;

/// <summary>
/// What <c>helm --wait</c> would still wait on, as the union of Helm 3's ready checker (<c>pkg/kube/ready.go</c>) and
/// Helm 4's kstatus: a helm of either version may be the one that is stuck, and their storage looks the same.
/// </summary>
public static class WaitRules
{
    /// <summary>Why a wait on this object would not be over yet, or null when both Helm versions would call it ready.</summary>
    public static string? StillWaitingOn(JsonObject live)
    {
        var kind = Text(live["kind"]);
        var status = live["status"] as JsonObject;
        var spec = live["spec"] as JsonObject;
        if (GenerationNotObserved(live) is { } generation)
        {
            return generation;
        }

        return kind switch
        {
            "Pod" => PodWait(status),
            "Job" => JobWait(status),
            "Deployment" => Replicas(spec, status, "replicas", ("updatedReplicas", "updated"), ("readyReplicas", "ready"), ("availableReplicas", "available")),
            "ReplicaSet" => Replicas(spec, status, "replicas", ("readyReplicas", "ready"), ("availableReplicas", "available")),
            "StatefulSet" => StatefulSetWait(spec, status),
            "DaemonSet" => DaemonSetWait(status),
            "PersistentVolumeClaim" => Text(status?["phase"]) is "Bound" ? null : $"not Bound (phase {Text(status?["phase"]) ?? "none"})",
            "Service" => ServiceWait(spec, status),
            "CustomResourceDefinition" => ConditionIs(status, "Established", "True") ? null : "not Established",
            _ => ConditionsWait(status),
        };
    }

    /// <summary>Why a hook Job or Pod has not finished, or null when it has (succeeded or failed) or is no Job or Pod.</summary>
    public static string? UnfinishedHook(JsonObject live)
    {
        var status = live["status"] as JsonObject;
        return Text(live["kind"]) switch
        {
            "Job" => JobWait(status),
            "Pod" => Text(status?["phase"]) is "Succeeded" or "Failed" ? null : $"has not finished (phase {Text(status?["phase"]) ?? "none"})",
            _ => null,
        };
    }

    private static string? GenerationNotObserved(JsonObject live)
    {
        var generation = Number(live["metadata"]?["generation"]);
        var observed = Number(live["status"]?["observedGeneration"]);
        return generation is { } g && observed is { } o && o < g
            ? $"the controller has not observed generation {g} yet (observed {o})"
            : null;
    }

    private static string? PodWait(JsonObject? status) =>
        ConditionIs(status, "Ready", "True") ? null : $"not Ready (phase {Text(status?["phase"]) ?? "none"})";

    private static string? JobWait(JsonObject? status) =>
        ConditionIs(status, "Complete", "True") || ConditionIs(status, "Failed", "True")
            ? null
            : $"not complete (succeeded {Number(status?["succeeded"]) ?? 0}, active {Number(status?["active"]) ?? 0})";

    private static string? Replicas(JsonObject? spec, JsonObject? status, string desiredField, params (string Field, string Name)[] counts)
    {
        var desired = Number(spec?[desiredField]) ?? 1;
        if (spec?["paused"] is JsonValue paused && paused.TryGetValue<bool>(out var p) && p)
        {
            return null;
        }

        if (status is null)
        {
            return $"no status yet ({desired} replicas wanted)";
        }

        var shortfalls = counts.Select(c => (c.Name, Count: Number(status[c.Field]) ?? 0)).Where(c => c.Count < desired).ToList();
        return shortfalls.Count == 0 ? null : string.Join(", ", shortfalls.Select(c => $"{c.Name} {c.Count}/{desired}"));
    }

    private static string? StatefulSetWait(JsonObject? spec, JsonObject? status)
    {
        if (Replicas(spec, status, "replicas", ("readyReplicas", "ready"), ("updatedReplicas", "updated")) is { } counts)
        {
            // Helm 3 skips the update count for OnDelete and honours the partition; kstatus does not: the union waits.
            return counts;
        }

        var current = Text(status?["currentRevision"]);
        var update = Text(status?["updateRevision"]);
        return update is not null && current != update ? $"current revision {current ?? "none"} is not the update revision {update}" : null;
    }

    private static string? DaemonSetWait(JsonObject? status)
    {
        if (status is null)
        {
            return "no status yet";
        }

        var desired = Number(status["desiredNumberScheduled"]) ?? 0;
        var shortfalls = new[] { ("updatedNumberScheduled", "updated"), ("numberAvailable", "available"), ("numberReady", "ready") }
            .Select(c => (c.Item2, Count: Number(status[c.Item1]) ?? 0))
            .Where(c => c.Count < desired)
            .ToList();
        return shortfalls.Count == 0 ? null : string.Join(", ", shortfalls.Select(c => $"{c.Item1} {c.Count}/{desired}"));
    }

    private static string? ServiceWait(JsonObject? spec, JsonObject? status)
    {
        var type = Text(spec?["type"]) ?? "ClusterIP";
        if (type == "ExternalName")
        {
            return null;
        }

        if (Text(spec?["clusterIP"]) is not { Length: > 0 })
        {
            return "no cluster IP assigned";
        }

        return type == "LoadBalancer" && status?["loadBalancer"]?["ingress"] is not JsonArray { Count: > 0 }
            ? "LoadBalancer without an ingress address"
            : null;
    }

    /// <summary>kstatus for any other kind: Reconciling=True or Ready=False means in progress; no conditions means current.</summary>
    private static string? ConditionsWait(JsonObject? status)
    {
        if (ConditionIs(status, "Reconciling", "True"))
        {
            return $"Reconciling{ReasonOf(status, "Reconciling")}";
        }

        if (ConditionIs(status, "Stalled", "True"))
        {
            return null;
        }

        return Condition(status, "Ready") is { } ready && Text(ready["status"]) != "True"
            ? $"Ready={Text(ready["status"]) ?? "?"}{ReasonOf(status, "Ready")}"
            : null;
    }

    private static JsonObject? Condition(JsonObject? status, string type) =>
        (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Text(c["type"]) == type);

    private static bool ConditionIs(JsonObject? status, string type, string value) => Text(Condition(status, type)?["status"]) == value;

    private static string ReasonOf(JsonObject? status, string type) =>
        Text(Condition(status, type)?["reason"]) is { Length: > 0 } reason ? $" ({reason})" : "";

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>An integer however it is held: parsed JSON, a value built in code, or a numeric string.</summary>
    private static long? Number(JsonNode? node) =>
        node is JsonValue v && long.TryParse(v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
            NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
}
