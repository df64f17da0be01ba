using HelmUnstick.Sandbox.OpenApi;
using HelmUnstick.Sandbox.Protobuf;

namespace HelmUnstick.Sandbox.Tests;

public sealed class OpenApiDocumentsTests
{
    [Fact]
    public void V2Protobuf_DecodesToTheSameDocumentAsV2Json()
    {
        var decoded = DecodeGnosticDocument(OpenApiDocuments.V2Protobuf());

        Assert.True(JsonNode.DeepEquals(OpenApiDocuments.V2Json(), decoded), decoded.ToJsonString());
    }

    /// <summary>Built-in kinds of the core group and of named groups: the group, version and kind their definitions carry.</summary>
    public static TheoryData<string, string, string> BuiltInKinds => new()
    {
        { "", "v1", "Secret" },
        { "", "v1", "ConfigMap" },
        { "apps", "v1", "Deployment" },
        { "batch", "v1", "Job" },
        { "autoscaling", "v2", "HorizontalPodAutoscaler" },
    };

    [Theory]
    [MemberData(nameof(BuiltInKinds))]
    public void V2Protobuf_KindDefinitions_CarryTheirGroupVersionKind(string group, string version, string kind)
    {
        var definitions = DecodeGnosticDocument(OpenApiDocuments.V2Protobuf())["definitions"]!;

        // Kubernetes names a built-in kind's definition io.k8s.api.GROUP.VERSION.KIND, the core group as "core".
        var gvk = Assert.Single(definitions[$"io.k8s.api.{(group == "" ? "core" : group)}.{version}.{kind}"]!["x-kubernetes-group-version-kind"]!.AsArray())!;

        Assert.Equal((group, version, kind), (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("io.k8s.api.core.v1.PodSpec", "containers", "name", "merge")]
    [InlineData("io.k8s.api.core.v1.PodSpec", "initContainers", "name", "merge")]
    [InlineData("io.k8s.api.core.v1.PodSpec", "volumes", "name", "merge,retainKeys")]
    [InlineData("io.k8s.api.core.v1.PodSpec", "imagePullSecrets", "name", "merge")]
    [InlineData("io.k8s.api.core.v1.Container", "env", "name", "merge")]
    [InlineData("io.k8s.api.core.v1.Container", "ports", "containerPort", "merge")]
    [InlineData("io.k8s.api.core.v1.Container", "volumeMounts", "mountPath", "merge")]
    public void V2Json_MergingLists_DeclareTheirPatchMergeKeyAndStrategy(string definition, string field, string mergeKey, string strategy)
    {
        var list = OpenApiDocuments.V2Json()["definitions"]![definition]!["properties"]![field]!;

        Assert.Equal(mergeKey, list["x-kubernetes-patch-merge-key"]!.GetValue<string>());
        Assert.Equal(strategy, list["x-kubernetes-patch-strategy"]!.GetValue<string>());
    }

    [Fact]
    public void V2Json_EveryReference_ResolvesToADefinition()
    {
        var document = OpenApiDocuments.V2Json();
        var definitions = document["definitions"]!.AsObject();

        var unresolved = References(document).Where(r => !definitions.ContainsKey(r["#/definitions/".Length..])).ToList();

        Assert.Empty(unresolved);
    }

    [Theory]
    [MemberData(nameof(HelmRenderedObjects))]
    public void V2Json_ChartObjectsHelmSent_HaveNoUnknownFields(string objectJson)
    {
        var obj = JsonNode.Parse(objectJson)!.AsObject();
        var definitions = OpenApiDocuments.V2Json()["definitions"]!.AsObject();
        var kindSchema = definitions.Single(d => d.Value!["x-kubernetes-group-version-kind"]?[0]?["kind"]?.GetValue<string>() == obj["kind"]!.GetValue<string>()).Value!;

        var unknownFields = UnknownFields(obj, kindSchema.AsObject(), definitions, "").ToList();

        Assert.Empty(unknownFields);
    }

    [Fact]
    public void V2Json_MisspelledContainerField_IsReportedUnknown()
    {
        var deployment = JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"web","imagePullPolice":"Always"}]}}}}""")!.AsObject();
        var definitions = OpenApiDocuments.V2Json()["definitions"]!.AsObject();

        var unknownFields = UnknownFields(deployment, definitions["io.k8s.api.apps.v1.Deployment"]!.AsObject(), definitions, "").ToList();

        Assert.Equal([".spec.template.spec.containers[0].imagePullPolice"], unknownFields);
    }

    [Fact]
    public void V3Index_ListsEachGroupVersionAtAUrlThatResolves()
    {
        var paths = OpenApiDocuments.V3Index()["paths"]!.AsObject();

        Assert.Equal(["api/v1", "apis/apps/v1", "apis/autoscaling/v2", "apis/batch/v1", "apis/demo.helm-unstick.io/v1"], paths.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (groupVersion, entry) in paths)
        {
            string url = entry!["serverRelativeURL"]!.GetValue<string>();
            Assert.StartsWith($"/openapi/v3/{groupVersion}?hash=", url);
            Assert.True(OpenApiDocuments.TryGetV3Document(url["/openapi/v3/".Length..url.IndexOf('?')], out _));
        }
    }

    [Fact]
    public void TryGetV3Document_UnknownGroupVersion_IsNotFound()
    {
        Assert.False(OpenApiDocuments.TryGetV3Document("apis/networking.k8s.io/v1", out _));
    }

    [Theory]
    [InlineData("apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "apps", "Deployment")]
    [InlineData("api/v1", "/api/v1/namespaces/{namespace}/configmaps/{name}", "", "ConfigMap")]
    [InlineData("api/v1", "/api/v1/namespaces/{name}", "", "Namespace")]
    [InlineData("apis/batch/v1", "/apis/batch/v1/namespaces/{namespace}/jobs/{name}", "batch", "Job")]
    public void V3Document_PatchOperations_DeclareFieldValidationForTheirKind(string groupVersion, string path, string group, string kind)
    {
        Assert.True(OpenApiDocuments.TryGetV3Document(groupVersion, out string json));
        var document = JsonNode.Parse(json)!;

        var patch = document["paths"]![path]!["patch"]!;

        Assert.Equal(kind, patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Equal(group, patch["x-kubernetes-group-version-kind"]!["group"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.All(References(document), r => Assert.True(schemas.ContainsKey(r["#/components/schemas/".Length..]), r));
    }

    public static TheoryData<string> HelmRenderedObjects()
    {
        // The chart objects Helm 3.18 created in `helm install example charts/demohook` (hook, ConfigMap, Deployment).
        string log = File.ReadAllText(FixturePath("traces", "helm3.18", "20-install-example.log"));
        var bodies = log.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("BODY: {\"apiVersion\"", StringComparison.Ordinal))
            .Select(line => line["BODY: ".Length..])
            .Distinct();
        var data = new TheoryData<string>();
        foreach (string body in bodies)
        {
            data.Add(body);
        }

        return data;
    }

    private static IEnumerable<string> UnknownFields(JsonNode value, JsonObject schema, JsonObject definitions, string path)
    {
        if (schema["$ref"] is JsonValue reference)
        {
            schema = definitions[reference.GetValue<string>()["#/definitions/".Length..]]!.AsObject();
        }

        if (schema["properties"] is JsonObject properties && value is JsonObject obj)
        {
            foreach (var (field, fieldValue) in obj)
            {
                if (properties[field] is not JsonObject fieldSchema)
                {
                    yield return $"{path}.{field}";
                    continue;
                }

                if (fieldValue is null) continue;
                foreach (string unknown in UnknownFields(fieldValue, fieldSchema, definitions, $"{path}.{field}"))
                {
                    yield return unknown;
                }
            }
        }
        else if (schema["items"] is JsonObject itemSchema && value is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                foreach (string unknown in UnknownFields(array[i]!, itemSchema, definitions, $"{path}[{i}]"))
                {
                    yield return unknown;
                }
            }
        }
    }

    private static IEnumerable<string> References(JsonNode node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "$ref" ? [p.Value!.GetValue<string>()] : p.Value is null ? [] : References(p.Value)),
        JsonArray array => array.OfType<JsonNode>().SelectMany(References),
        _ => [],
    };

    /// <summary>Reads gnostic's openapi.v2.Document back into Swagger JSON, independently of the encoder.</summary>
    private static JsonObject DecodeGnosticDocument(byte[] bytes)
    {
        var document = new JsonObject();
        foreach (var field in ProtoReader.ReadFields(bytes))
        {
            switch (field.Number)
            {
                case 1: document["swagger"] = field.Text; break;
                case 2:
                    var info = new JsonObject();
                    foreach (var infoField in ProtoReader.ReadFields(field.Bytes))
                    {
                        info[infoField.Number == 1 ? "title" : "version"] = infoField.Text;
                    }
                    document["info"] = info;
                    break;
                case 8: document["paths"] = new JsonObject(); break;
                case 9:
                    var definitions = new JsonObject();
                    foreach (var named in ProtoReader.ReadFields(field.Bytes))
                    {
                        var (name, schema) = DecodeNamedSchema(named.Bytes);
                        definitions[name] = schema;
                    }
                    document["definitions"] = definitions;
                    break;
                default: throw new InvalidDataException($"unexpected Document field {field.Number}");
            }
        }

        return document;
    }

    private static (string Name, JsonObject Schema) DecodeNamedSchema(byte[] bytes)
    {
        var fields = ProtoReader.ReadFields(bytes);
        return (fields.Single(f => f.Number == 1).Text, DecodeSchema(fields.Single(f => f.Number == 2).Bytes));
    }

    private static JsonObject DecodeSchema(byte[] bytes)
    {
        var schema = new JsonObject();
        foreach (var field in ProtoReader.ReadFields(bytes))
        {
            switch (field.Number)
            {
                case 1: schema["$ref"] = field.Text; break;
                case 2: schema["format"] = field.Text; break;
                case 21:
                    var additional = ProtoReader.ReadFields(field.Bytes).Single();
                    schema["additionalProperties"] = additional.Number == 1 ? DecodeSchema(additional.Bytes) : additional.Bool;
                    break;
                case 22: schema["type"] = ProtoReader.ReadFields(field.Bytes).Single(f => f.Number == 1).Text; break;
                case 23: schema["items"] = DecodeSchema(ProtoReader.ReadFields(field.Bytes).Single(f => f.Number == 1).Bytes); break;
                case 25:
                    var properties = new JsonObject();
                    foreach (var named in ProtoReader.ReadFields(field.Bytes).Where(f => f.Number == 1))
                    {
                        var (name, propertySchema) = DecodeNamedSchema(named.Bytes);
                        properties[name] = propertySchema;
                    }
                    schema["properties"] = properties;
                    break;
                case 31:
                    var namedAny = ProtoReader.ReadFields(field.Bytes);
                    string yaml = ProtoReader.ReadFields(namedAny.Single(f => f.Number == 2).Bytes).Single(f => f.Number == 2).Text;
                    schema[namedAny.Single(f => f.Number == 1).Text] = JsonNode.Parse(yaml);
                    break;
                default: throw new InvalidDataException($"unexpected Schema field {field.Number}");
            }
        }

        return schema;
    }

    private static string FixturePath(params string[] parts) => RepositoryPaths.SharedFixture(parts);
}
