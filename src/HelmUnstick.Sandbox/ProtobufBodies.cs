using System.Text.Json.Nodes;
using Google.Protobuf;

namespace HelmUnstick.Sandbox;

/// <summary>
/// Reads request bodies sent as <c>application/vnd.kubernetes.protobuf</c> (how client-go, and so Helm, writes
/// Secrets and ConfigMaps) into the JSON form of the object. Fields this emulator does not know are skipped.
/// </summary>
internal static class ProtobufBodies
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static JsonObject Decode(ResourceType type, byte[] body)
    {
        try
        {
            return DecodeObject(type, body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ApiErrors.BadRequest($"the body of the request could not be decoded as protobuf: {e.Message}");
        }
    }

    private static JsonObject DecodeObject(ResourceType type, byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiErrors.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        string apiVersion = "", kind = "";
        ByteString raw = ByteString.Empty;
        foreach (var (field, input) in Fields(ByteString.CopyFrom(body, Magic.Length, body.Length - Magic.Length)))
        {
            switch (field)
            {
                case 1:
                    foreach (var (typeField, typeInput) in Fields(input.ReadBytes()))
                    {
                        if (typeField == 1) apiVersion = typeInput.ReadString();
                        else if (typeField == 2) kind = typeInput.ReadString();
                        else typeInput.SkipLastField();
                    }

                    break;
                case 2:
                    raw = input.ReadBytes();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        switch (type.Resource)
        {
            case "secrets":
                DecodeSecret(raw, obj);
                break;
            case "configmaps":
                DecodeConfigMap(raw, obj);
                break;
            default:
                throw ApiErrors.UnsupportedMediaType(["application/json", MediaType + " (secrets and configmaps)"]);
        }

        return obj;
    }

    private static void DecodeSecret(ByteString raw, JsonObject obj)
    {
        var data = new JsonObject();
        var stringData = new JsonObject();
        foreach (var (field, input) in Fields(raw))
        {
            switch (field)
            {
                case 1: obj["metadata"] = DecodeObjectMeta(input.ReadBytes()); break;
                case 2: AddEntry(data, input.ReadBytes(), value => Convert.ToBase64String(value.ToByteArray())); break;
                case 3: SetIfNotEmpty(obj, "type", input.ReadString()); break;
                case 4: AddEntry(stringData, input.ReadBytes(), value => value.ToStringUtf8()); break;
                case 5: obj["immutable"] = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }

        SetIfNotEmpty(obj, "data", data);
        SetIfNotEmpty(obj, "stringData", stringData);
    }

    private static void DecodeConfigMap(ByteString raw, JsonObject obj)
    {
        var data = new JsonObject();
        var binaryData = new JsonObject();
        foreach (var (field, input) in Fields(raw))
        {
            switch (field)
            {
                case 1: obj["metadata"] = DecodeObjectMeta(input.ReadBytes()); break;
                case 2: AddEntry(data, input.ReadBytes(), value => value.ToStringUtf8()); break;
                case 3: AddEntry(binaryData, input.ReadBytes(), value => Convert.ToBase64String(value.ToByteArray())); break;
                case 4: obj["immutable"] = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }

        SetIfNotEmpty(obj, "data", data);
        SetIfNotEmpty(obj, "binaryData", binaryData);
    }

    private static JsonObject DecodeObjectMeta(ByteString raw)
    {
        var metadata = new JsonObject();
        var labels = new JsonObject();
        var annotations = new JsonObject();
        var finalizers = new JsonArray();
        var owners = new JsonArray();
        foreach (var (field, input) in Fields(raw))
        {
            switch (field)
            {
                case 1: SetIfNotEmpty(metadata, "name", input.ReadString()); break;
                case 2: SetIfNotEmpty(metadata, "generateName", input.ReadString()); break;
                case 3: SetIfNotEmpty(metadata, "namespace", input.ReadString()); break;
                case 5: SetIfNotEmpty(metadata, "uid", input.ReadString()); break;
                case 6: SetIfNotEmpty(metadata, "resourceVersion", input.ReadString()); break;
                case 11: AddEntry(labels, input.ReadBytes(), value => value.ToStringUtf8()); break;
                case 12: AddEntry(annotations, input.ReadBytes(), value => value.ToStringUtf8()); break;
                case 13: owners.Add(DecodeOwnerReference(input.ReadBytes())); break;
                case 14: finalizers.Add(input.ReadString()); break;
                default: input.SkipLastField(); break;
            }
        }

        SetIfNotEmpty(metadata, "labels", labels);
        SetIfNotEmpty(metadata, "annotations", annotations);
        SetIfNotEmpty(metadata, "ownerReferences", owners);
        SetIfNotEmpty(metadata, "finalizers", finalizers);
        return metadata;
    }

    private static JsonObject DecodeOwnerReference(ByteString raw)
    {
        var owner = new JsonObject();
        foreach (var (field, input) in Fields(raw))
        {
            switch (field)
            {
                case 1: owner["kind"] = input.ReadString(); break;
                case 3: owner["name"] = input.ReadString(); break;
                case 4: owner["uid"] = input.ReadString(); break;
                case 5: owner["apiVersion"] = input.ReadString(); break;
                case 6: owner["controller"] = input.ReadBool(); break;
                case 7: owner["blockOwnerDeletion"] = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }

        return owner;
    }

    /// <summary>A protobuf map entry: key is field 1 (string), value is field 2.</summary>
    private static void AddEntry(JsonObject map, ByteString entry, Func<ByteString, string> value)
    {
        var key = "";
        var content = ByteString.Empty;
        foreach (var (field, input) in Fields(entry))
        {
            if (field == 1) key = input.ReadString();
            else if (field == 2) content = input.ReadBytes();
            else input.SkipLastField();
        }

        map[key] = value(content);
    }

    private static void SetIfNotEmpty(JsonObject target, string name, string value)
    {
        if (value.Length > 0)
        {
            target[name] = value;
        }
    }

    private static void SetIfNotEmpty(JsonObject target, string name, JsonNode collection)
    {
        if (collection is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            target[name] = collection;
        }
    }

    /// <summary>The field numbers of a message, each with the stream positioned at that field's value.</summary>
    private static IEnumerable<(int Field, CodedInputStream Input)> Fields(ByteString message)
    {
        var input = new CodedInputStream(message.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            yield return (WireFormat.GetTagFieldNumber(tag), input);
        }
    }
}
