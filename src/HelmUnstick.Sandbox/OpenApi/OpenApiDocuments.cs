using System.Security.Cryptography;

namespace HelmUnstick.Sandbox.OpenApi;

/// <summary>
/// The OpenAPI documents the apiserver publishes, for the kinds the sandbox serves: <c>/openapi/v2</c> (JSON or
/// gnostic protobuf, which Helm requires), and <c>/openapi/v3</c> with one document per group version. The v3
/// documents declare the PATCH operations' <c>fieldValidation</c> and <c>dryRun</c> parameters, from which
/// kubectl and Helm conclude that the server validates fields itself.
/// </summary>
internal static class OpenApiDocuments
{
    /// <summary>
    /// The Content-Type to answer with. Clients ask with Accept
    /// <c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>, but Go's mime parser (kubectl, Helm) rejects
    /// that '@' with "mime: unexpected content after media subtype", so the apiserver answers with this spelling.
    /// </summary>
    public const string V2ProtobufResponseContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private const string KubernetesVersion = "v1.33.0";

    private static readonly Lazy<JsonObject> V2 = new(BuildV2);
    private static readonly Lazy<byte[]> V2Bytes = new(() => GnosticOpenApiV2.Encode(V2.Value));
    private static readonly Lazy<Dictionary<string, string>> V3ByGroupVersion = new(BuildV3);

    public static JsonObject V2Json() => V2.Value.DeepClone().AsObject();

    public static byte[] V2Protobuf() => V2Bytes.Value;

    /// <summary>The body of <c>GET /openapi/v3</c>; clients fetch each document at its <c>serverRelativeURL</c>.</summary>
    public static JsonObject V3Index()
    {
        var paths = new JsonObject();
        foreach (var (groupVersionPath, document) in V3ByGroupVersion.Value)
        {
            string hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(document)));
            paths[groupVersionPath] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{groupVersionPath}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The JSON document of <c>GET /openapi/v3/{groupVersionPath}</c> (any <c>hash</c> query ignored).</summary>
    public static bool TryGetV3Document(string groupVersionPath, out string document) =>
        V3ByGroupVersion.Value.TryGetValue(groupVersionPath.Trim('/'), out document!);

    private static JsonObject BuildV2() => new()
    {
        ["swagger"] = "2.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubernetesVersion },
        ["paths"] = new JsonObject(),
        ["definitions"] = OpenApiDefinitions.Build(),
    };

    private static Dictionary<string, string> BuildV3()
    {
        var definitions = OpenApiDefinitions.Build();
        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var groupVersion in OpenApiDefinitions.Kinds.GroupBy(k => (k.Group, k.Version)))
        {
            var (group, version) = groupVersion.Key;
            string prefix = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            var paths = new JsonObject();
            foreach (var (definition, _, _, kind) in groupVersion)
            {
                string resource = kind.ToLowerInvariant() + "s";
                string path = kind == "Namespace"
                    ? $"/{prefix}/namespaces/{{name}}"
                    : $"/{prefix}/namespaces/{{namespace}}/{resource}/{{name}}";
                paths[path] = new JsonObject { ["patch"] = PatchOperation(definition, group, version, kind) };
            }

            var schemas = new JsonObject();
            foreach (var (name, schema) in definitions)
            {
                // Each document holds its own kinds and every shared type; other groups' kinds stay out.
                var owner = OpenApiDefinitions.Kinds.FirstOrDefault(k => k.Definition == name);
                if (owner.Definition is null || (owner.Group, owner.Version) == (group, version))
                {
                    schemas[name] = RewriteRefs(schema!.DeepClone());
                }
            }

            var document = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubernetesVersion },
                ["paths"] = paths,
                ["components"] = new JsonObject { ["schemas"] = schemas },
            };
            documents[prefix] = document.ToJsonString();
        }

        return documents;
    }

    private static JsonObject PatchOperation(string definition, string group, string version, string kind)
    {
        var patchBody = new JsonObject();
        foreach (string mediaType in new[] { "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json" })
        {
            patchBody[mediaType] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } };
        }

        return new JsonObject
        {
            ["operationId"] = $"patch{kind}",
            ["parameters"] = new JsonArray(
                QueryParameter("dryRun", "string"),
                QueryParameter("fieldManager", "string"),
                QueryParameter("fieldValidation", "string"),
                QueryParameter("force", "boolean")),
            ["requestBody"] = new JsonObject { ["content"] = patchBody, ["required"] = true },
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = new JsonObject
                        {
                            ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + definition },
                        },
                    },
                },
            },
            ["x-kubernetes-action"] = "patch",
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version },
        };
    }

    private static JsonObject QueryParameter(string name, string type) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = type },
    };

    private static JsonNode RewriteRefs(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonObject { Count: 1 } refOnly && refOnly["$ref"] is JsonValue reference)
                    {
                        // The apiserver's v3 documents wrap references in allOf, and kubectl explain only follows that form.
                        string target = reference.GetValue<string>().Replace("#/definitions/", "#/components/schemas/", StringComparison.Ordinal);
                        obj[key] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = target }) };
                    }
                    else if (value is not null)
                    {
                        RewriteRefs(value);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array.OfType<JsonNode>())
                {
                    RewriteRefs(item);
                }
                break;
        }

        return node;
    }
}
