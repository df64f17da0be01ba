using System.Globalization;
using System.Text.Json.Nodes;

namespace HelmUnstick.Sandbox;

/// <summary>
/// The <c>meta.k8s.io Table</c> form kubectl asks for, with the columns kube-apiserver prints for each resource
/// (wide-only columns have priority 1).
/// </summary>
internal static class Tables
{
    private sealed record Column(string Name, string Type, int Priority, Func<JsonObject, JsonNode?> Cell);

    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> items, JsonObject listMetadata, string version, string includeObject)
    {
        var columns = Columns(type);
        var definitions = new JsonArray();
        foreach (var column in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Name == "Name" ? "name" : "",
                ["description"] = column.Name == "Name" ? "Name must be unique within a namespace." : $"{column.Name} of the {type.SingularName}.",
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(columns.Select(column => column.Cell(item)).ToArray()) };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    var full = (JsonObject)item.DeepClone();
                    full["kind"] = type.Kind;
                    full["apiVersion"] = type.GroupVersion;
                    row["object"] = full;
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = $"meta.k8s.io/{version}",
                        ["metadata"] = item["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = $"meta.k8s.io/{version}",
            ["metadata"] = listMetadata.DeepClone(),
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static IReadOnlyList<Column> Columns(ResourceType type)
    {
        var name = new Column("Name", "string", 0, obj => Text(obj, "metadata", "name"));
        var age = new Column("Age", "string", 0, obj => Age(obj));
        var containers = new Column("Containers", "string", 1, obj => JoinContainers(obj, "name"));
        var images = new Column("Images", "string", 1, obj => JoinContainers(obj, "image"));
        var selector = new Column("Selector", "string", 1, obj => Selector(obj));
        return type.Resource switch
        {
            "namespaces" => [name, new("Status", "string", 0, obj => Text(obj, "status", "phase")), age],
            "secrets" => [name, new("Type", "string", 0, obj => Text(obj, "type")), new("Data", "string", 0, obj => Count(obj, "data")), age],
            "configmaps" => [name, new("Data", "string", 0, obj => Count(obj, "data") + Count(obj, "binaryData")), age],
            "pods" =>
            [
                name,
                new("Ready", "string", 0, PodReady),
                new("Status", "string", 0, obj => Text(obj, "status", "reason") is { Length: > 0 } reason ? reason : Text(obj, "status", "phase")),
                new("Restarts", "string", 0, PodRestarts),
                age,
                new("IP", "string", 1, obj => Text(obj, "status", "podIP") is { Length: > 0 } ip ? ip : "<none>"),
                new("Node", "string", 1, obj => Text(obj, "spec", "nodeName") is { Length: > 0 } node ? node : "<none>"),
            ],
            "deployments" =>
            [
                name,
                new("Ready", "string", 0, obj => $"{Number(obj, "status", "readyReplicas")}/{Number(obj, "spec", "replicas")}"),
                new("Up-to-date", "string", 0, obj => Number(obj, "status", "updatedReplicas")),
                new("Available", "string", 0, obj => Number(obj, "status", "availableReplicas")),
                age, containers, images, selector,
            ],
            "statefulsets" =>
            [
                name,
                new("Ready", "string", 0, obj => $"{Number(obj, "status", "readyReplicas")}/{Number(obj, "spec", "replicas")}"),
                age, containers, images,
            ],
            "replicasets" =>
            [
                name,
                new("Desired", "integer", 0, obj => Number(obj, "spec", "replicas")),
                new("Current", "integer", 0, obj => Number(obj, "status", "replicas")),
                new("Ready", "integer", 0, obj => Number(obj, "status", "readyReplicas")),
                age, containers, images, selector,
            ],
            "daemonsets" =>
            [
                name,
                new("Desired", "integer", 0, obj => Number(obj, "status", "desiredNumberScheduled")),
                new("Current", "integer", 0, obj => Number(obj, "status", "currentNumberScheduled")),
                new("Ready", "integer", 0, obj => Number(obj, "status", "numberReady")),
                new("Up-to-date", "integer", 0, obj => Number(obj, "status", "updatedNumberScheduled")),
                new("Available", "integer", 0, obj => Number(obj, "status", "numberAvailable")),
                new("Node Selector", "string", 0, obj => NodeSelector(obj)),
                age, containers, images, selector,
            ],
            _ =>
            [
                name,
                new("Reference", "string", 0, obj => $"{Text(obj, "spec", "scaleTargetRef", "kind")}/{Text(obj, "spec", "scaleTargetRef", "name")}"),
                new("Targets", "string", 0, HpaTargets),
                new("MinPods", "string", 0, obj => obj["spec"]?["minReplicas"] is { } min ? min.ToJsonString() : "<unset>"),
                new("MaxPods", "integer", 0, obj => Number(obj, "spec", "maxReplicas")),
                new("Replicas", "integer", 0, obj => Number(obj, "status", "currentReplicas")),
                age,
            ],
        };
    }

    private static string Text(JsonObject obj, params string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            node = node?[part];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
    }

    private static long Number(JsonObject obj, params string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            node = node?[part];
        }

        return node is JsonValue value && long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0;
    }

    private static int Count(JsonObject obj, string field) => (obj[field] as JsonObject)?.Count ?? 0;

    private static JsonArray Containers(JsonObject obj) =>
        obj["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [];

    private static string JoinContainers(JsonObject obj, string field) =>
        string.Join(",", Containers(obj).Select(container => container?[field]?.GetValue<string>() ?? ""));

    private static string Selector(JsonObject obj) =>
        obj["spec"]?["selector"]?["matchLabels"] is JsonObject labels && labels.Count > 0
            ? string.Join(",", labels.Select(label => $"{label.Key}={label.Value}"))
            : "<none>";

    private static string NodeSelector(JsonObject obj) =>
        obj["spec"]?["template"]?["spec"]?["nodeSelector"] is JsonObject labels && labels.Count > 0
            ? string.Join(",", labels.Select(label => $"{label.Key}={label.Value}"))
            : "<none>";

    private static JsonNode PodReady(JsonObject obj)
    {
        var total = (obj["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = (obj["status"]?["containerStatuses"] as JsonArray)?.Count(status => status?["ready"]?.GetValue<bool>() == true) ?? 0;
        return $"{ready}/{total}";
    }

    private static JsonNode PodRestarts(JsonObject obj) =>
        (obj["status"]?["containerStatuses"] as JsonArray)?.Sum(status => status?["restartCount"]?.GetValue<int>() ?? 0) ?? 0;

    private static JsonNode HpaTargets(JsonObject obj)
    {
        var targets = new List<string>();
        var metrics = obj["spec"]?["metrics"] as JsonArray ?? [];
        var current = obj["status"]?["currentMetrics"] as JsonArray ?? [];
        foreach (var metric in metrics)
        {
            var resource = metric?["resource"];
            if (resource?["target"]?["averageUtilization"] is not { } target)
            {
                continue;
            }

            var name = resource["name"]?.GetValue<string>() ?? "";
            var now = current.FirstOrDefault(m => m?["resource"]?["name"]?.GetValue<string>() == name)?["resource"]?["current"]?["averageUtilization"];
            targets.Add($"{name}: {(now is null ? "<unknown>" : now.ToJsonString() + "%")}/{target.ToJsonString()}%");
        }

        return targets.Count == 0 ? "<none>" : string.Join(", ", targets);
    }

    private static JsonNode Age(JsonObject obj) =>
        DateTimeOffset.TryParse(Text(obj, "metadata", "creationTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? HumanDuration(DateTimeOffset.UtcNow - created)
            : "<unknown>";

    /// <summary>The apimachinery <c>duration.HumanDuration</c> format: 45s, 5m30s, 3h20m, 5d7h, 4y324d.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8) return (hours / 24) % 365 == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{(hours / 24) % 365}d";
        return $"{hours / 24 / 365}y";
    }
}
