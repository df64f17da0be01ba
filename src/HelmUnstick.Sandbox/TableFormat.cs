using System.Globalization;
using System.Text.Json.Nodes;

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

    /// <summary>kubectl's short human duration (e.g. <c>5m</c>, <c>3h</c>, <c>2d</c>), as the apiserver prints it.</summary>
    private static string Age(JsonNode? timestamp, DateTimeOffset now)
    {
        if (Text(timestamp) is not { } text
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
        {
            return "<unknown>";
        }

        var age = now - created;
        return age.TotalSeconds < 0 ? "0s"
            : age.TotalMinutes < 2 ? $"{(int)age.TotalSeconds}s"
            : age.TotalHours < 3 ? $"{(int)age.TotalMinutes}m"
            : age.TotalDays < 2 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
