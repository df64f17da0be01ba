namespace HelmUnstick.Sandbox;

/// <summary>
/// The server-side printing of <c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>, which kubectl get
/// and Helm 4's status ask for: the columns the apiserver prints for the kinds the sandbox serves.
/// </summary>
internal static class TableFormat
{
    private sealed record Column(string Name, string Type, string Description, Func<JsonObject, DateTimeOffset, JsonNode?> Cell, int Priority = 0);

    public static JsonObject Build(ResourceType type, IReadOnlyList<JsonObject> items, string version, string? resourceVersion, string includeObject, DateTimeOffset now)
    {
        var columns = ColumnsOf(type);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(columns.Select(column => column.Cell(item, now)).ToArray()) };
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

        var metadata = new JsonObject();
        if (resourceVersion is not null)
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = $"meta.k8s.io/{version}",
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray(columns.Select(column => (JsonNode)new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Name == "Name" ? "name" : "",
                ["description"] = column.Description,
                ["priority"] = column.Priority,
            }).ToArray()),
            ["rows"] = rows,
        };
    }

    private static List<Column> ColumnsOf(ResourceType type)
    {
        var name = new Column("Name", "string", "Name must be unique within a namespace.", (obj, _) => Text(obj["metadata"]?["name"]));
        var age = new Column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.",
            (obj, now) => Age(obj["metadata"]?["creationTimestamp"], now));
        return type.Resource switch
        {
            "secrets" =>
            [
                name,
                new("Type", "string", "Used to facilitate programmatic handling of secret data.", (obj, _) => Text(obj["type"]) ?? "Opaque"),
                new("Data", "string", "Data contains the secret data.", (obj, _) => CountOf(obj["data"])),
                age,
            ],
            "configmaps" => [name, new("Data", "string", "Data contains the configuration data.", (obj, _) => CountOf(obj["data"]) + CountOf(obj["binaryData"])), age],
            "deployments" =>
            [
                name,
                new("Ready", "string", "Number of the pod with ready state", (obj, _) => $"{Number(obj["status"]?["readyReplicas"])}/{Number(obj["spec"]?["replicas"], 1)}"),
                new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", (obj, _) => Number(obj["status"]?["updatedReplicas"])),
                new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", (obj, _) => Number(obj["status"]?["availableReplicas"])),
                age,
            ],
            "replicasets" =>
            [
                name,
                new("Desired", "integer", "Replicas is the number of desired replicas.", (obj, _) => Number(obj["spec"]?["replicas"], 1)),
                new("Current", "integer", "Replicas is the most recently observed number of replicas.", (obj, _) => Number(obj["status"]?["replicas"])),
                new("Ready", "integer", "The number of ready replicas for this replica set.", (obj, _) => Number(obj["status"]?["readyReplicas"])),
                age,
            ],
            "namespaces" => [name, new("Status", "string", "The status of the namespace", (obj, _) => Text(obj["status"]?["phase"]) ?? "Active"), age],
            "pods" =>
            [
                name,
                new("Status", "string", "The aggregate status of the containers in this pod.", (obj, _) => Text(obj["status"]?["phase"]) ?? "Pending"),
                age,
            ],
            _ => [name, age],
        };
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long Number(JsonNode? node, long fallback = 0) => node is JsonValue value && value.TryGetValue<long>(out var n) ? n : fallback;

    private static long CountOf(JsonNode? node) => node is JsonObject map ? map.Count : 0;

    private static string Age(JsonNode? timestamp, DateTimeOffset now) =>
        Text(timestamp) is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? HumanDuration(now - created)
            : "<unknown>";

    /// <summary>The apimachinery <c>duration.HumanDuration</c> format the apiserver prints ages in: 45s, 5m30s, 3h20m, 5d7h, 4y324d.</summary>
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
