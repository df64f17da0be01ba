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
            };
            AddVerbsAndNames(resource, type);
            resources.Add(resource);
            resources.Add(new JsonObject
            {
                ["name"] = $"{type.Resource}/status",
                ["singularName"] = "",
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("get", "patch", "update"),
            });
            if (ScaleSubresource.Supports(type))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{type.Resource}/{ScaleSubresource.Name}",
                    ["singularName"] = "",
                    ["namespaced"] = true,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
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

    /// <summary>
    /// The aggregated discovery form kubectl and Helm ask for first
    /// (<c>application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList</c>): null when the Accept header
    /// prefers the legacy documents.
    /// </summary>
    public static AggregatedDiscovery? WantsAggregated(string accept)
    {
        foreach (var alternative in accept.Split(','))
        {
            var parts = alternative.Split(';', StringSplitOptions.TrimEntries);
            var parameters = parts.Skip(1)
                .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1]);
            if (parts[0] is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }

            if (!parameters.TryGetValue("as", out var representation))
            {
                return null;
            }

            if (representation == "APIGroupDiscoveryList" && parameters.GetValueOrDefault("g") == "apidiscovery.k8s.io"
                && parameters.GetValueOrDefault("v") is "v2" or "v2beta1")
            {
                var version = parameters["v"];
                return new AggregatedDiscovery(version, $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList");
            }
        }

        return null;
    }

    /// <summary>The aggregated form of <c>/api</c>: the core group, with every resource of v1.</summary>
    public static JsonObject AggregatedCore(string version) => DiscoveryList(version, [GroupDiscovery("", ["v1"])]);

    /// <summary>The aggregated form of <c>/apis</c>: every named group, with every resource of each version.</summary>
    public static JsonObject AggregatedGroups(string version) =>
        DiscoveryList(version, Groups().Select(group => GroupDiscovery(group.Key, group.ToList())).ToList());

    private static JsonObject DiscoveryList(string version, IReadOnlyList<JsonObject> groups) => new()
    {
        ["kind"] = "APIGroupDiscoveryList",
        ["apiVersion"] = $"apidiscovery.k8s.io/{version}",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(groups.Select(group => (JsonNode)group).ToArray()),
    };

    private static JsonObject GroupDiscovery(string group, IReadOnlyList<string> versions)
    {
        JsonObject Kind(ResourceType type) => new() { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
        var versionList = new JsonArray();
        foreach (var version in versions)
        {
            var resources = new JsonArray();
            foreach (var type in ResourceCatalog.All.Where(type => type.Group == group && type.Version == version))
            {
                var resource = new JsonObject
                {
                    ["resource"] = type.Resource,
                    ["responseKind"] = Kind(type),
                    ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = type.SingularName,
                };
                AddVerbsAndNames(resource, type);
                var subresources = new JsonArray(new JsonObject
                {
                    ["subresource"] = "status",
                    ["responseKind"] = Kind(type),
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
                if (ScaleSubresource.Supports(type))
                {
                    subresources.Add(new JsonObject
                    {
                        ["subresource"] = ScaleSubresource.Name,
                        ["responseKind"] = new JsonObject { ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale" },
                        ["verbs"] = new JsonArray("get", "patch", "update"),
                    });
                }

                resource["subresources"] = subresources;
                resources.Add(resource);
            }

            versionList.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
        }

        var metadata = new JsonObject();
        if (group.Length > 0)
        {
            metadata["name"] = group;
        }

        return new JsonObject { ["metadata"] = metadata, ["versions"] = versionList };
    }

    /// <summary>What both discovery forms say of a resource after naming it: its verbs, short names and categories.</summary>
    private static void AddVerbsAndNames(JsonObject resource, ResourceType type)
    {
        var verbs = type.Resource == "namespaces" ? ResourceCatalog.Verbs.Where(verb => verb != "deletecollection") : ResourceCatalog.Verbs;
        resource["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v!).ToArray());
        if (type.ShortNames.Count > 0)
        {
            resource["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s!).ToArray());
        }

        if (type.Resource is "pods" or "deployments" or "statefulsets" or "daemonsets" or "replicasets" or "horizontalpodautoscalers")
        {
            resource["categories"] = new JsonArray("all");
        }
    }

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

/// <summary>The aggregated discovery version negotiated and the Content-Type to answer with.</summary>
internal sealed record AggregatedDiscovery(string Version, string ContentType);
