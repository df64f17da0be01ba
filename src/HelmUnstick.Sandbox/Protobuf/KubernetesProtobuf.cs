namespace HelmUnstick.Sandbox.Protobuf;

/// <summary>
/// Converts <c>application/vnd.kubernetes.protobuf</c> bodies to and from the JSON form the API serves.
/// Field numbers follow k8s.io/api core/v1 and k8s.io/apimachinery meta/v1 and runtime generated.proto.
/// </summary>
internal static class KubernetesProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static bool HasEnvelope(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    public static KubernetesUnknown DecodeEnvelope(ReadOnlySpan<byte> body)
    {
        if (!HasEnvelope(body))
        {
            throw new InvalidDataException("protobuf body does not start with the k8s\\0 magic");
        }

        string apiVersion = "", kind = "", contentEncoding = "", contentType = "";
        byte[] raw = [];
        foreach (var field in ProtoReader.ReadFields(body[Magic.Length..].ToArray()))
        {
            switch (field.Number)
            {
                case 1:
                    foreach (var typeMeta in ProtoReader.ReadFields(field.Bytes))
                    {
                        if (typeMeta.Number == 1) apiVersion = typeMeta.Text;
                        if (typeMeta.Number == 2) kind = typeMeta.Text;
                    }
                    break;
                case 2: raw = field.Bytes; break;
                case 3: contentEncoding = field.Text; break;
                case 4: contentType = field.Text; break;
            }
        }

        return new KubernetesUnknown(apiVersion, kind, raw, contentEncoding, contentType);
    }

    public static byte[] EncodeEnvelope(KubernetesUnknown unknown)
    {
        // The apiserver writes every field of Unknown, empty ones included; clients accept either.
        var writer = new ProtoWriter();
        writer.Message(1, typeMeta =>
        {
            typeMeta.StringAlways(1, unknown.ApiVersion);
            typeMeta.StringAlways(2, unknown.Kind);
        });
        writer.Bytes(2, unknown.Raw);
        writer.StringAlways(3, unknown.ContentEncoding);
        writer.StringAlways(4, unknown.ContentType);
        return [.. Magic, .. writer.ToArray()];
    }

    /// <summary>The kinds <see cref="DecodeObject"/> reads.</summary>
    public static bool CanDecode(string kind) => kind is "Secret" or "ConfigMap" or "DeleteOptions" or "Namespace";

    /// <summary>Decodes a protobuf request body (Secret, ConfigMap, DeleteOptions or Namespace) into its JSON form.</summary>
    public static JsonObject DecodeObject(ReadOnlySpan<byte> body)
    {
        var unknown = DecodeEnvelope(body);
        var result = new JsonObject { ["apiVersion"] = unknown.ApiVersion, ["kind"] = unknown.Kind };
        var fields = ProtoReader.ReadFields(unknown.Raw);
        switch (unknown.Kind)
        {
            case "Secret": ReadSecret(fields, result); break;
            case "ConfigMap": ReadConfigMap(fields, result); break;
            case "DeleteOptions": ReadDeleteOptions(fields, result); break;
            case "Namespace": ReadNamespace(fields, result); break;
            default: throw new NotSupportedException($"protobuf decoding of kind {unknown.Kind} is not supported");
        }

        return result;
    }

    /// <summary>Encodes a Secret, ConfigMap, SecretList, ConfigMapList or Status given in JSON form.</summary>
    public static byte[] EncodeObject(JsonObject obj)
    {
        string kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("object has no kind", nameof(obj));
        string apiVersion = obj["apiVersion"]?.GetValue<string>() ?? "v1";
        var writer = new ProtoWriter();
        switch (kind)
        {
            case "Secret": WriteSecret(writer, obj); break;
            case "ConfigMap": WriteConfigMap(writer, obj); break;
            case "SecretList": WriteList(writer, obj, WriteSecret); break;
            case "ConfigMapList": WriteList(writer, obj, WriteConfigMap); break;
            case "Status": WriteStatus(writer, obj); break;
            default: throw new NotSupportedException($"protobuf encoding of kind {kind} is not supported");
        }

        return EncodeEnvelope(new KubernetesUnknown(apiVersion, kind, writer.ToArray()));
    }

    private static void ReadSecret(List<ProtoField> fields, JsonObject secret)
    {
        foreach (var field in fields)
        {
            switch (field.Number)
            {
                case 1: secret["metadata"] = ReadObjectMeta(field.Bytes); break;
                case 2: AddMapEntry(secret, "data", field.Bytes, value => Convert.ToBase64String(value)); break;
                case 3: secret["type"] = field.Text; break;
                case 4: AddMapEntry(secret, "stringData", field.Bytes, Encoding.UTF8.GetString); break;
                case 5: secret["immutable"] = field.Bool; break;
            }
        }
    }

    private static void WriteSecret(ProtoWriter writer, JsonObject secret)
    {
        WriteObjectMeta(writer, secret["metadata"] as JsonObject);
        WriteMap(writer, 2, secret["data"] as JsonObject, value => Convert.FromBase64String(value));
        writer.String(3, StringOf(secret["type"]));
        WriteMap(writer, 4, secret["stringData"] as JsonObject, Encoding.UTF8.GetBytes);
        if (secret["immutable"] is JsonValue immutable)
        {
            writer.Bool(5, immutable.GetValue<bool>());
        }
    }

    private static void ReadConfigMap(List<ProtoField> fields, JsonObject configMap)
    {
        foreach (var field in fields)
        {
            switch (field.Number)
            {
                case 1: configMap["metadata"] = ReadObjectMeta(field.Bytes); break;
                case 2: AddMapEntry(configMap, "data", field.Bytes, Encoding.UTF8.GetString); break;
                case 3: AddMapEntry(configMap, "binaryData", field.Bytes, value => Convert.ToBase64String(value)); break;
                case 4: configMap["immutable"] = field.Bool; break;
            }
        }
    }

    private static void WriteConfigMap(ProtoWriter writer, JsonObject configMap)
    {
        WriteObjectMeta(writer, configMap["metadata"] as JsonObject);
        WriteMap(writer, 2, configMap["data"] as JsonObject, Encoding.UTF8.GetBytes);
        WriteMap(writer, 3, configMap["binaryData"] as JsonObject, value => Convert.FromBase64String(value));
        if (configMap["immutable"] is JsonValue immutable)
        {
            writer.Bool(4, immutable.GetValue<bool>());
        }
    }

    /// <summary>The metadata of a Namespace (kubectl create namespace sends protobuf); spec and status are the server's.</summary>
    private static void ReadNamespace(List<ProtoField> fields, JsonObject ns)
    {
        foreach (var field in fields.Where(field => field.Number == 1))
        {
            ns["metadata"] = ReadObjectMeta(field.Bytes);
        }
    }

    private static void ReadDeleteOptions(List<ProtoField> fields, JsonObject options)
    {
        foreach (var field in fields)
        {
            switch (field.Number)
            {
                case 1: options["gracePeriodSeconds"] = field.Int64; break;
                case 2:
                    var preconditions = new JsonObject();
                    foreach (var precondition in ProtoReader.ReadFields(field.Bytes))
                    {
                        if (precondition.Number == 1) preconditions["uid"] = precondition.Text;
                        if (precondition.Number == 2) preconditions["resourceVersion"] = precondition.Text;
                    }
                    options["preconditions"] = preconditions;
                    break;
                case 3: options["orphanDependents"] = field.Bool; break;
                case 4: options["propagationPolicy"] = field.Text; break;
                case 5: AppendToArray(options, "dryRun", field.Text); break;
            }
        }
    }

    private static void WriteList(ProtoWriter writer, JsonObject list, Action<ProtoWriter, JsonObject> writeItem)
    {
        writer.Message(1, listMeta => WriteListMeta(listMeta, list["metadata"] as JsonObject));
        foreach (var item in list["items"] as JsonArray ?? [])
        {
            writer.Message(2, nested => writeItem(nested, (JsonObject)item!));
        }
    }

    private static void WriteListMeta(ProtoWriter writer, JsonObject? metadata)
    {
        writer.String(1, StringOf(metadata?["selfLink"]));
        writer.String(2, StringOf(metadata?["resourceVersion"]));
        writer.String(3, StringOf(metadata?["continue"]));
        if (metadata?["remainingItemCount"] is JsonValue remaining)
        {
            writer.Int64(4, remaining.GetValue<long>());
        }
    }

    private static void WriteStatus(ProtoWriter writer, JsonObject status)
    {
        writer.Message(1, listMeta => WriteListMeta(listMeta, status["metadata"] as JsonObject));
        writer.String(2, StringOf(status["status"]));
        writer.String(3, StringOf(status["message"]));
        writer.String(4, StringOf(status["reason"]));
        if (status["details"] is JsonObject details)
        {
            writer.Message(5, nested =>
            {
                nested.String(1, StringOf(details["name"]));
                nested.String(2, StringOf(details["group"]));
                nested.String(3, StringOf(details["kind"]));
                foreach (var cause in details["causes"] as JsonArray ?? [])
                {
                    nested.Message(4, causeWriter =>
                    {
                        causeWriter.String(1, StringOf(cause?["reason"]));
                        causeWriter.String(2, StringOf(cause?["message"]));
                        causeWriter.String(3, StringOf(cause?["field"]));
                    });
                }
                if (details["retryAfterSeconds"] is JsonValue retryAfter)
                {
                    nested.Int64(5, retryAfter.GetValue<long>());
                }
                nested.String(6, StringOf(details["uid"]));
            });
        }
        if (status["code"] is JsonValue code)
        {
            writer.Int64(6, code.GetValue<int>());
        }
    }

    private static JsonObject ReadObjectMeta(byte[] message)
    {
        var meta = new JsonObject();
        foreach (var field in ProtoReader.ReadFields(message))
        {
            switch (field.Number)
            {
                case 1: SetIfNotEmpty(meta, "name", field.Text); break;
                case 2: SetIfNotEmpty(meta, "generateName", field.Text); break;
                case 3: SetIfNotEmpty(meta, "namespace", field.Text); break;
                case 4: SetIfNotEmpty(meta, "selfLink", field.Text); break;
                case 5: SetIfNotEmpty(meta, "uid", field.Text); break;
                case 6: SetIfNotEmpty(meta, "resourceVersion", field.Text); break;
                case 7: if (field.Int64 != 0) meta["generation"] = field.Int64; break;
                case 8: SetIfNotEmpty(meta, "creationTimestamp", ReadTime(field.Bytes)); break;
                case 9: SetIfNotEmpty(meta, "deletionTimestamp", ReadTime(field.Bytes)); break;
                case 10: meta["deletionGracePeriodSeconds"] = field.Int64; break;
                case 11: AddMapEntry(meta, "labels", field.Bytes, Encoding.UTF8.GetString); break;
                case 12: AddMapEntry(meta, "annotations", field.Bytes, Encoding.UTF8.GetString); break;
                case 13: AppendToArray(meta, "ownerReferences", ReadOwnerReference(field.Bytes)); break;
                case 14: AppendToArray(meta, "finalizers", field.Text); break;
                case 17: AppendToArray(meta, "managedFields", ReadManagedFieldsEntry(field.Bytes)); break;
            }
        }

        return meta;
    }

    private static void WriteObjectMeta(ProtoWriter writer, JsonObject? meta)
    {
        writer.Message(1, nested =>
        {
            if (meta is null)
            {
                return;
            }

            nested.String(1, StringOf(meta["name"]));
            nested.String(2, StringOf(meta["generateName"]));
            nested.String(3, StringOf(meta["namespace"]));
            nested.String(4, StringOf(meta["selfLink"]));
            nested.String(5, StringOf(meta["uid"]));
            nested.String(6, StringOf(meta["resourceVersion"]));
            if (meta["generation"] is JsonValue generation)
            {
                nested.Int64(7, generation.GetValue<long>());
            }
            WriteTime(nested, 8, StringOf(meta["creationTimestamp"]));
            WriteTime(nested, 9, StringOf(meta["deletionTimestamp"]));
            if (meta["deletionGracePeriodSeconds"] is JsonValue grace)
            {
                nested.Int64(10, grace.GetValue<long>());
            }
            WriteMap(nested, 11, meta["labels"] as JsonObject, Encoding.UTF8.GetBytes);
            WriteMap(nested, 12, meta["annotations"] as JsonObject, Encoding.UTF8.GetBytes);
            foreach (var owner in meta["ownerReferences"] as JsonArray ?? [])
            {
                nested.Message(13, ownerWriter => WriteOwnerReference(ownerWriter, (JsonObject)owner!));
            }
            foreach (var finalizer in meta["finalizers"] as JsonArray ?? [])
            {
                nested.StringAlways(14, finalizer!.GetValue<string>());
            }
            foreach (var entry in meta["managedFields"] as JsonArray ?? [])
            {
                nested.Message(17, entryWriter => WriteManagedFieldsEntry(entryWriter, (JsonObject)entry!));
            }
        });
    }

    private static JsonObject ReadOwnerReference(byte[] message)
    {
        var owner = new JsonObject();
        foreach (var field in ProtoReader.ReadFields(message))
        {
            switch (field.Number)
            {
                case 5: owner["apiVersion"] = field.Text; break;
                case 1: owner["kind"] = field.Text; break;
                case 3: owner["name"] = field.Text; break;
                case 4: owner["uid"] = field.Text; break;
                case 6: owner["controller"] = field.Bool; break;
                case 7: owner["blockOwnerDeletion"] = field.Bool; break;
            }
        }

        return owner;
    }

    private static void WriteOwnerReference(ProtoWriter writer, JsonObject owner)
    {
        writer.String(1, StringOf(owner["kind"]));
        writer.String(3, StringOf(owner["name"]));
        writer.String(4, StringOf(owner["uid"]));
        writer.String(5, StringOf(owner["apiVersion"]));
        if (owner["controller"] is JsonValue controller) writer.Bool(6, controller.GetValue<bool>());
        if (owner["blockOwnerDeletion"] is JsonValue block) writer.Bool(7, block.GetValue<bool>());
    }

    private static JsonObject ReadManagedFieldsEntry(byte[] message)
    {
        var entry = new JsonObject();
        foreach (var field in ProtoReader.ReadFields(message))
        {
            switch (field.Number)
            {
                case 1: SetIfNotEmpty(entry, "manager", field.Text); break;
                case 2: SetIfNotEmpty(entry, "operation", field.Text); break;
                case 3: SetIfNotEmpty(entry, "apiVersion", field.Text); break;
                case 4: SetIfNotEmpty(entry, "time", ReadTime(field.Bytes)); break;
                case 6: SetIfNotEmpty(entry, "fieldsType", field.Text); break;
                case 7:
                    // FieldsV1 carries the field set as raw JSON bytes in its field 1.
                    foreach (var raw in ProtoReader.ReadFields(field.Bytes).Where(f => f.Number == 1))
                    {
                        entry["fieldsV1"] = JsonNode.Parse(raw.Bytes);
                    }
                    break;
                case 8: SetIfNotEmpty(entry, "subresource", field.Text); break;
            }
        }

        return entry;
    }

    private static void WriteManagedFieldsEntry(ProtoWriter writer, JsonObject entry)
    {
        writer.String(1, StringOf(entry["manager"]));
        writer.String(2, StringOf(entry["operation"]));
        writer.String(3, StringOf(entry["apiVersion"]));
        WriteTime(writer, 4, StringOf(entry["time"]));
        writer.String(6, StringOf(entry["fieldsType"]));
        if (entry["fieldsV1"] is JsonNode fields)
        {
            writer.Message(7, raw => raw.Bytes(1, Encoding.UTF8.GetBytes(fields.ToJsonString())));
        }
        writer.String(8, StringOf(entry["subresource"]));
    }

    /// <summary>meta/v1 Time is {seconds, nanos}; its JSON form is RFC 3339 to the second, absent when zero.</summary>
    private static string ReadTime(byte[] message)
    {
        long seconds = 0;
        foreach (var field in ProtoReader.ReadFields(message))
        {
            if (field.Number == 1) seconds = field.Int64;
        }

        return seconds == 0
            ? ""
            : DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static void WriteTime(ProtoWriter writer, int field, string? rfc3339)
    {
        if (string.IsNullOrEmpty(rfc3339))
        {
            return;
        }

        long seconds = DateTimeOffset.Parse(rfc3339, CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        writer.Message(field, time => time.Int64(1, seconds));
    }

    private static void AddMapEntry(JsonObject parent, string property, byte[] entryMessage, Func<byte[], string> valueToJson)
    {
        string key = "";
        byte[] value = [];
        foreach (var field in ProtoReader.ReadFields(entryMessage))
        {
            if (field.Number == 1) key = field.Text;
            if (field.Number == 2) value = field.Bytes;
        }

        if (parent[property] is not JsonObject map)
        {
            map = new JsonObject();
            parent[property] = map;
        }

        map[key] = valueToJson(value);
    }

    private static void WriteMap(ProtoWriter writer, int field, JsonObject? map, Func<string, byte[]> jsonToValue)
    {
        // Go marshals map entries sorted by key; doing the same keeps encodings byte-comparable.
        foreach (var (key, value) in (map ?? []).OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            writer.Message(field, entry =>
            {
                entry.StringAlways(1, key);
                entry.Bytes(2, jsonToValue(value?.GetValue<string>() ?? ""));
            });
        }
    }

    private static void AppendToArray(JsonObject parent, string property, JsonNode item)
    {
        if (parent[property] is not JsonArray array)
        {
            array = [];
            parent[property] = array;
        }

        array.Add(item);
    }

    private static void SetIfNotEmpty(JsonObject parent, string property, string value)
    {
        if (value.Length > 0)
        {
            parent[property] = value;
        }
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
