using System.Text.Json.Nodes;

namespace HelmUnstick.Sandbox;

/// <summary>The discovery documents: /version, /api, /apis, /apis/&lt;g&gt;, and each group version's resource list.</summary>
internal static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "33",
        ["gitVersion"] = "v1.33.0",
        ["gitCommit"] = "60a317eadfcb839692a68eab88b2096f4d708f4f",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-23T13:01:02Z",
        ["goVersion"] = "go1.24.2",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject RootPaths()
    {
        var paths = new List<string> { "/api", "/api/v1", "/apis", "/version" };
        foreach (var group in Groups())
        {
            paths.Add($"/apis/{group.Key}");
            paths.AddRange(group.Select(version => $"/apis/{group.Key}/{version}"));
        }

        return new JsonObject { ["paths"] = new JsonArray(paths.Order(StringComparer.Ordinal).Select(p => (JsonNode)p!).ToArray()) };
    }

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups().Select(group => (JsonNode)GroupBody(group.Key, group.ToList())).ToArray()),
    };

    public static JsonObject? Group(string name)
    {
        var versions = Groups().FirstOrDefault(group => group.Key == name)?.ToList();
        if (versions is null)
        {
            return null;
        }

        var body = new JsonObject { ["kind"] = "APIGroup", ["apiVersion"] = "v1" };
        foreach (var (key, value) in GroupBody(name, versions))
        {
            body[key] = value?.DeepClone();
        }

        return body;
    }

    public static JsonObject? ResourceList(string groupVersion)
    {
        var types = ResourceCatalog.All.Where(type => type.GroupVersion == groupVersion).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Resource,
                ["singularName"] = type.SingularName,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(ResourceVerbs(type).Select(v => (JsonNode)v!).ToArray()),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s!).ToArray());
            }

            if (type.Resource is "pods" or "deployments" or "statefulsets" or "daemonsets" or "replicasets" or "horizontalpodautoscalers")
            {
                resource["categories"] = new JsonArray("all");
            }

            resources.Add(resource);
            resources.Add(new JsonObject
            {
                ["name"] = $"{type.Resource}/status",
                ["singularName"] = "",
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("get", "patch", "update"),
            });
        }

        var list = new JsonObject { ["kind"] = "APIResourceList" };
        if (groupVersion != "v1")
        {
            list["apiVersion"] = "v1";
        }

        list["groupVersion"] = groupVersion;
        list["resources"] = resources;
        return list;
    }

    private static IEnumerable<string> ResourceVerbs(ResourceType type) =>
        type.Resource == "namespaces"
            ? ResourceCatalog.Verbs.Where(verb => verb != "deletecollection")
            : ResourceCatalog.Verbs;

    private static IEnumerable<IGrouping<string, string>> Groups() =>
        ResourceCatalog.All
            .Where(type => type.Group.Length > 0)
            .Select(type => (type.Group, type.Version))
            .Distinct()
            .GroupBy(gv => gv.Group, gv => gv.Version);

    private static JsonObject GroupBody(string name, IReadOnlyList<string> versions)
    {
        JsonObject Version(string version) => new() { ["groupVersion"] = $"{name}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }
}
