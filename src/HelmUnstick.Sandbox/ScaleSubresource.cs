namespace HelmUnstick.Sandbox;

/// <summary>
/// The <c>/scale</c> subresource of Deployments, StatefulSets and ReplicaSets (<c>kubectl scale</c>): an
/// autoscaling/v1 Scale read from, and written back to, the object's <c>spec.replicas</c>.
/// </summary>
internal static class ScaleSubresource
{
    public const string Name = "scale";

    public static bool Supports(ResourceType type) => type.Group == "apps" && type.Resource is "deployments" or "statefulsets" or "replicasets";

    public static JsonObject Of(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        var matchLabels = obj["spec"]?["selector"]?["matchLabels"] as JsonObject ?? new JsonObject();
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata?["name"]?.DeepClone(),
                ["namespace"] = metadata?["namespace"]?.DeepClone(),
                ["uid"] = metadata?["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata?["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata?["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = string.Join(',', matchLabels.Select(label => $"{label.Key}={label.Value}")),
            },
        };
    }

    /// <summary>The object with the replicas of <paramref name="scale"/>; its resourceVersion, when given, must still match.</summary>
    public static JsonObject Apply(JsonObject current, JsonObject scale)
    {
        if (scale["spec"]?["replicas"] is not JsonValue replicas || !replicas.TryGetValue<long>(out var count) || count < 0)
        {
            throw ApiErrors.BadRequest("Scale.spec.replicas: Invalid value: must be a non-negative integer");
        }

        var spec = current["spec"] as JsonObject ?? new JsonObject();
        spec["replicas"] = count;
        current["spec"] = spec;
        if (scale["metadata"]?["resourceVersion"] is JsonValue version)
        {
            ClusterStore.Metadata(current)["resourceVersion"] = version.DeepClone();
        }

        return current;
    }
}
