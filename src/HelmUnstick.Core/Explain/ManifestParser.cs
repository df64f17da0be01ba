using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HelmUnstick.Core.Explain;

/// <summary>
/// Reads a Helm manifest (<c>---</c>-separated YAML documents with <c># Source:</c> comments) into objects.
/// Empty documents, documents without a kind or a name, and hook documents are skipped: hooks are not part of
/// the release's resources, and an object without a name cannot be looked up on the cluster.
/// </summary>
public static partial class ManifestParser
{
    // Kubernetes resolves scope through discovery; these well-known kinds are cluster-scoped, so they must not be
    // given the release namespace (Helm does the same through its REST mapper).
    private static readonly HashSet<string> ClusterScopedKinds =
    [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "APIService", "PodSecurityPolicy", "FlowSchema",
        "PriorityLevelConfiguration",
    ];

    public static IReadOnlyList<ManifestResource> Parse(string manifest, string releaseNamespace)
    {
        var resources = new List<ManifestResource>();
        foreach (var body in ParseDocuments(manifest))
        {
            var metadata = body["metadata"] as JsonObject;
            var kind = StringAt(body, "kind");
            var name = metadata is null ? null : StringAt(metadata, "name");
            if (kind is null || name is null || IsHook(metadata!))
            {
                continue;
            }

            resources.Add(new ManifestResource(kind, StringAt(body, "apiVersion") ?? "", NamespaceOf(kind, metadata!, releaseNamespace), name, body));
        }

        return resources;
    }

    /// <summary>Every non-empty mapping document of a manifest, hooks included, as Kubernetes would read the YAML.</summary>
    public static IReadOnlyList<JsonObject> ParseDocuments(string manifest)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(manifest));
        }
        catch (YamlException exception)
        {
            throw new FormatException($"The manifest is not valid YAML: {exception.Message}", exception);
        }

        return stream.Documents.Select(document => ToJson(document.RootNode)).OfType<JsonObject>().ToList();
    }

    /// <summary>The namespace an object of the release lands in: none for well-known cluster-scoped kinds.</summary>
    public static string? NamespaceOf(string kind, JsonObject metadata, string releaseNamespace) =>
        ClusterScopedKinds.Contains(kind) ? null : StringAt(metadata, "namespace") ?? releaseNamespace;

    private static bool IsHook(JsonObject metadata) =>
        metadata["annotations"] is JsonObject annotations && annotations.ContainsKey("helm.sh/hook");

    private static string? StringAt(JsonObject node, string key) =>
        node[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToJsonObject(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ToJsonScalar(scalar),
        _ => null,
    };

    private static JsonObject ToJsonObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            // Duplicate keys: the last one wins, as in sigs.k8s.io/yaml's non-strict mode.
            result[((YamlScalarNode)key).Value ?? ""] = ToJson(value);
        }

        return result;
    }

    /// <summary>
    /// Types a plain scalar the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does, which is how Helm and
    /// Kubernetes read manifests: null, booleans (including yes/no/on/off), integers and floats. Quoted,
    /// block and <c>!!str</c>-tagged scalars stay strings.
    /// </summary>
    private static JsonNode? ToJsonScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || IsStringTag(scalar.Tag))
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "y" or "Y" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "n" or "N" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }

        if (DecimalInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (HexInteger().IsMatch(text))
        {
            return JsonValue.Create(Convert.ToInt64(text[2..], 16));
        }

        // YAML 1.1 octal, as in "defaultMode: 0644".
        if (OctalInteger().IsMatch(text))
        {
            return JsonValue.Create(Convert.ToInt64(text, 8));
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    private static bool IsStringTag(TagName tag) =>
        tag is { IsEmpty: false, IsNonSpecific: false } && tag.Value == "tag:yaml.org,2002:str";

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex("^0[0-7]+$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
