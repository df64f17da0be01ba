using HelmUnstick.Sandbox.Protobuf;

namespace HelmUnstick.Sandbox.OpenApi;

/// <summary>
/// Encodes a Swagger 2.0 JSON document as gnostic's <c>openapi.v2.Document</c> protobuf (OpenAPIv2.proto), the
/// form Kubernetes clients ask <c>/openapi/v2</c> for. Covers the members the sandbox's documents use; vendor
/// extensions become <c>NamedAny</c> whose <c>Any.yaml</c> holds the value as JSON, which is valid YAML.
/// </summary>
internal static class GnosticOpenApiV2
{
    public static byte[] Encode(JsonObject document)
    {
        var writer = new ProtoWriter();
        writer.String(1, document["swagger"]!.GetValue<string>());
        if (document["info"] is JsonObject info)
        {
            writer.Message(2, infoWriter =>
            {
                infoWriter.String(1, info["title"]?.GetValue<string>());
                infoWriter.String(2, info["version"]?.GetValue<string>());
            });
        }

        if (document["paths"] is JsonObject paths && paths.Count > 0)
        {
            throw new NotSupportedException("path items are not encoded; the sandbox's v2 document has none");
        }

        writer.Message(8, _ => { });
        writer.Message(9, definitionsWriter =>
        {
            foreach (var (name, schema) in document["definitions"]!.AsObject())
            {
                definitionsWriter.Message(1, named => WriteNamedSchema(named, name, (JsonObject)schema!));
            }
        });
        return writer.ToArray();
    }

    private static void WriteNamedSchema(ProtoWriter writer, string name, JsonObject schema)
    {
        writer.StringAlways(1, name);
        writer.Message(2, schemaWriter => WriteSchema(schemaWriter, schema));
    }

    private static void WriteSchema(ProtoWriter writer, JsonObject schema)
    {
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "$ref": writer.String(1, value!.GetValue<string>()); break;
                case "format": writer.String(2, value!.GetValue<string>()); break;
                case "title": writer.String(3, value!.GetValue<string>()); break;
                case "description": writer.String(4, value!.GetValue<string>()); break;
                case "required":
                    foreach (var field in value!.AsArray())
                    {
                        writer.StringAlways(19, field!.GetValue<string>());
                    }
                    break;
                case "additionalProperties":
                    writer.Message(21, additional =>
                    {
                        if (value is JsonObject additionalSchema) additional.Message(1, nested => WriteSchema(nested, additionalSchema));
                        else additional.Bool(2, value!.GetValue<bool>());
                    });
                    break;
                case "type": writer.Message(22, type => type.StringAlways(1, value!.GetValue<string>())); break;
                case "items": writer.Message(23, items => items.Message(1, nested => WriteSchema(nested, value!.AsObject()))); break;
                case "allOf":
                    foreach (var part in value!.AsArray())
                    {
                        writer.Message(24, nested => WriteSchema(nested, part!.AsObject()));
                    }
                    break;
                case "properties":
                    writer.Message(25, properties =>
                    {
                        foreach (var (property, propertySchema) in value!.AsObject())
                        {
                            properties.Message(1, named => WriteNamedSchema(named, property, (JsonObject)propertySchema!));
                        }
                    });
                    break;
                case var extension when extension.StartsWith("x-", StringComparison.Ordinal):
                    writer.Message(31, namedAny =>
                    {
                        namedAny.StringAlways(1, extension);
                        namedAny.Message(2, any => any.StringAlways(2, value!.ToJsonString() + "\n"));
                    });
                    break;
                default:
                    throw new NotSupportedException($"schema member {key} has no gnostic encoding here");
            }
        }
    }
}
