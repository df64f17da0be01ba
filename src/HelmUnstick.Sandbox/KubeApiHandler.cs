using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace HelmUnstick.Sandbox;

/// <summary>Serves the Kubernetes REST API over the <see cref="ClusterStore"/>.</summary>
internal sealed class KubeApiHandler(ClusterStore store, CancellationToken stopping)
{
    private const string PartialMetadataGroup = "meta.k8s.io";

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await DispatchAsync(context);
        }
        catch (ApiException e)
        {
            await KubeJson.WriteAsync(context, e.Code, e.Status);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A defect in the emulator: answer the way the apiserver reports its own failures, with the cause.
            await KubeJson.WriteAsync(context, 500, ApiErrors.Status(500, "InternalError", $"Internal error occurred: {e}", new JsonObject()));
        }
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "/")
            .Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(Uri.UnescapeDataString)
            .ToArray();
        var isGet = HttpMethods.IsGet(context.Request.Method);

        switch (segments)
        {
            case [] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.RootPaths());
                return;
            case ["version"] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.Version());
                return;
            case ["api"] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.ApiVersions($"{context.Request.Host}"));
                return;
            case ["apis"] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.GroupList());
                return;
            case ["api", var version] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.ResourceList(version) ?? throw ApiErrors.UnknownPath());
                return;
            case ["apis", var group] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.Group(group) ?? throw ApiErrors.UnknownPath());
                return;
            case ["apis", var group, var version] when isGet:
                await KubeJson.WriteAsync(context, 200, Discovery.ResourceList($"{group}/{version}") ?? throw ApiErrors.UnknownPath());
                return;
            case ["api", "v1", .. var rest]:
                await ServeResourceAsync(context, ParseResourcePath("v1", rest));
                return;
            case ["apis", var group, var version, .. var rest]:
                await ServeResourceAsync(context, ParseResourcePath($"{group}/{version}", rest));
                return;
            default:
                throw ApiErrors.UnknownPath();
        }
    }

    private static ResourceRequest ParseResourcePath(string groupVersion, string[] rest)
    {
        ResourceType Type(string resource, bool namespacedPath)
        {
            var type = ResourceCatalog.Find(groupVersion, resource) ?? throw ApiErrors.UnknownPath();
            return namespacedPath && !type.Namespaced ? throw ApiErrors.UnknownPath() : type;
        }

        return rest switch
        {
            ["namespaces", var ns, var resource] => new(Type(resource, true), ns, null, null),
            ["namespaces", var ns, var resource, var name] => new(Type(resource, true), ns, name, null),
            ["namespaces", var ns, var resource, var name, "status"] => new(Type(resource, true), ns, name, "status"),
            [var resource] => new(Type(resource, false), null, null, null),
            [var resource, var name] when !Type(resource, false).Namespaced => new(Type(resource, false), null, name, null),
            [var resource, var name, "status"] when !Type(resource, false).Namespaced => new(Type(resource, false), null, name, "status"),
            _ => throw ApiErrors.UnknownPath(),
        };
    }

    private async Task ServeResourceAsync(HttpContext context, ResourceRequest request)
    {
        var method = context.Request.Method;
        var verb = (request.Name, method) switch
        {
            (null, "GET") when IsTrue(context.Request.Query["watch"]) => "watch",
            (null, "GET") => "list",
            (null, "POST") when request.Namespace is not null || !request.Type.Namespaced => "create",
            (null, "DELETE") when request.Namespace is not null || !request.Type.Namespaced => "deletecollection",
            (not null, "GET") => "get",
            (not null, "PUT") => "update",
            (not null, "PATCH") => "patch",
            (not null, "DELETE") when request.Subresource is null => "delete",
            _ => throw ApiErrors.MethodNotAllowed(),
        };
        Authorize(context, request, verb);

        var ns = request.Namespace ?? "";
        var name = request.Name ?? "";
        var dryRun = context.Request.Query["dryRun"].Contains("All");
        switch (verb)
        {
            case "watch":
                await WatchAsync(context, request);
                return;
            case "list":
                await ListAsync(context, request);
                return;
            case "get":
                var found = store.Get(request.Type.GroupVersion, request.Type.Resource, ns, name) ?? throw ApiErrors.NotFound(request.Type, name);
                await WriteObjectAsync(context, request.Type, 200, found);
                return;
            case "create":
                var created = store.Create(request.Type, ns, await ReadObjectAsync(context, request.Type), dryRun);
                await WriteObjectAsync(context, request.Type, 201, created);
                return;
            case "update":
                var body = await ReadObjectAsync(context, request.Type);
                var updated = store.Modify(request.Type, ns, name, _ => body, dryRun, writesStatus: request.Subresource == "status");
                await WriteObjectAsync(context, request.Type, 200, updated);
                return;
            case "patch":
                var mediaType = MediaType(context.Request.ContentType);
                var patch = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
                var patched = store.Modify(request.Type, ns, name, current => PatchHandlers.Apply(mediaType, current, patch), dryRun, writesStatus: request.Subresource == "status");
                await WriteObjectAsync(context, request.Type, 200, patched);
                return;
            case "delete":
                await DeleteAsync(context, request.Type, ns, name, dryRun);
                return;
            default:
                await DeleteCollectionAsync(context, request, dryRun);
                return;
        }
    }

    private static void Authorize(HttpContext context, ResourceRequest request, string verb)
    {
        if (SandboxServer.UserOf(context) is not { } user)
        {
            return;
        }

        var resource = request.Subresource is null ? request.Type.Resource : $"{request.Type.Resource}/{request.Subresource}";
        if (!user.Allows(verb, resource))
        {
            throw ApiErrors.Forbidden(request.Type, user.Name, verb, request.Namespace, request.Name, resource);
        }
    }

    private async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var limit = ParseLimit(query["limit"]);
        var (all, resourceVersion) = store.Snapshot(request.Type.GroupVersion, request.Type.Resource, request.Namespace);

        var start = 0;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            var position = ContinueToken.Decode(token);
            resourceVersion = position.ResourceVersion;
            start = all.FindIndex(item => string.CompareOrdinal(KeyOf(item), position.LastKey) > 0);
            start = start < 0 ? all.Count : start;
        }

        var items = new List<JsonObject>();
        var next = start;
        for (; next < all.Count && (limit == 0 || items.Count < limit); next++)
        {
            if (labels.Matches(all[next]) && fields.Matches(all[next]))
            {
                items.Add((JsonObject)all[next].DeepClone());
            }
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (next < all.Count)
        {
            metadata["continue"] = ContinueToken.Encode(resourceVersion, KeyOf(all[next - 1]));
            if (labels.IsEmpty && fields.IsEmpty)
            {
                // The apiserver can count what is left only when nothing is filtered out.
                metadata["remainingItemCount"] = all.Count - next;
            }
        }

        var representation = Negotiate(context, list: true);
        if (representation is { As: "Table" } table)
        {
            var includeObject = query["includeObject"].ToString();
            await KubeJson.WriteAsync(context, 200, Tables.Build(request.Type, items, metadata, table.Version, includeObject), table.ContentType);
            return;
        }

        var list = new JsonObject();
        if (representation is { } partial)
        {
            list["kind"] = "PartialObjectMetadataList";
            list["apiVersion"] = $"{PartialMetadataGroup}/{partial.Version}";
            list["metadata"] = metadata;
            list["items"] = new JsonArray(items.Select(item => (JsonNode)PartialMetadata(item, partial.Version)).ToArray());
            await KubeJson.WriteAsync(context, 200, list, partial.ContentType);
            return;
        }

        list["kind"] = $"{request.Type.Kind}List";
        list["apiVersion"] = request.Type.GroupVersion;
        list["metadata"] = metadata;
        list["items"] = new JsonArray(items.Select(item =>
        {
            // Items of a typed list carry no kind or apiVersion, as the apiserver serves them.
            item.Remove("kind");
            item.Remove("apiVersion");
            return (JsonNode)item;
        }).ToArray());
        await KubeJson.WriteAsync(context, 200, list);
    }

    /// <summary>
    /// Streams watch events as JSON lines. Without a resourceVersion (or with sendInitialEvents) the current
    /// objects come first as ADDED; with one, the changes after it. An object that starts or stops matching the
    /// selectors is reported as ADDED or DELETED, as the apiserver does.
    /// </summary>
    private async Task WatchAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var sendInitialEvents = IsTrue(query["sendInitialEvents"]);
        long? since = null;
        if (!sendInitialEvents && query["resourceVersion"].ToString() is { Length: > 0 } text && text != "0")
        {
            since = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
                ? version
                : throw ApiErrors.BadRequest($"invalid resource version: {text}");
        }

        bool Matches(JsonObject? obj) =>
            obj is not null
            && (request.Namespace is null || obj["metadata"]?["namespace"]?.GetValue<string>() == request.Namespace)
            && labels.Matches(obj) && fields.Matches(obj);

        using var subscription = store.Subscribe(request.Type.GroupVersion, request.Type.Resource, since);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeoutSeconds) && timeoutSeconds > 0)
        {
            end.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = KubeJson.ContentType;
        try
        {
            await context.Response.StartAsync(end.Token);
            foreach (var obj in subscription.Current.Where(Matches))
            {
                await WriteEventAsync(context, "ADDED", obj, end.Token);
            }

            if (sendInitialEvents && IsTrue(query["allowWatchBookmarks"]))
            {
                await WriteEventAsync(context, "BOOKMARK", InitialEventsEnd(request.Type, subscription.ResourceVersion), end.Token);
            }

            foreach (var change in subscription.Replay)
            {
                await WriteChangeAsync(context, change, Matches, end.Token);
            }

            await foreach (var change in subscription.Changes.ReadAllAsync(end.Token))
            {
                await WriteChangeAsync(context, change, Matches, end.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, the timeout passed or the server is stopping: the watch simply ends.
        }
    }

    private static JsonObject InitialEventsEnd(ResourceType type, long resourceVersion) => new()
    {
        ["kind"] = type.Kind,
        ["apiVersion"] = type.GroupVersion,
        ["metadata"] = new JsonObject
        {
            ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
            ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
        },
    };

    private static Task WriteChangeAsync(HttpContext context, StoreEvent change, Func<JsonObject?, bool> matches, CancellationToken ct)
    {
        var matchesNow = matches(change.Object);
        var matchedBefore = change.Type == "MODIFIED" ? matches(change.Previous) : matchesNow;
        var type = (change.Type, matchedBefore, matchesNow) switch
        {
            ("MODIFIED", false, true) => "ADDED",
            ("MODIFIED", true, false) => "DELETED",
            (_, true, true) => change.Type,
            _ => null,
        };
        return type is null ? Task.CompletedTask : WriteEventAsync(context, type, change.Object, ct);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private async Task DeleteAsync(HttpContext context, ResourceType type, string ns, string name, bool dryRun)
    {
        var options = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? await KubeJson.ReadBodyAsync(context) as JsonObject
            : null;
        dryRun |= options?["dryRun"] is JsonArray modes && modes.Any(mode => mode?.GetValue<string>() == "All");
        var deleted = store.Delete(
            type,
            ns,
            name,
            options?["preconditions"]?["uid"]?.GetValue<string>(),
            options?["preconditions"]?["resourceVersion"]?.GetValue<string>(),
            dryRun);

        if (type.Resource is "namespaces" or "pods")
        {
            // These are deleted gracefully, so the apiserver answers with the object being deleted.
            var metadata = ClusterStore.Metadata(deleted);
            metadata["deletionTimestamp"] = ClusterStore.Now();
            if (type.Resource == "namespaces")
            {
                deleted["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            await WriteObjectAsync(context, type, 200, deleted);
            return;
        }

        await KubeJson.WriteAsync(context, 200, ApiErrors.Success(type, name, ClusterStore.Metadata(deleted)["uid"]?.GetValue<string>()));
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceRequest request, bool dryRun)
    {
        var labels = LabelSelector.Parse(context.Request.Query["labelSelector"]);
        var fields = FieldSelector.Parse(context.Request.Query["fieldSelector"]);
        var deleted = new JsonArray();
        foreach (var item in store.List(request.Type.GroupVersion, request.Type.Resource, request.Namespace))
        {
            if (labels.Matches(item) && fields.Matches(item))
            {
                var itemNamespace = item["metadata"]?["namespace"]?.GetValue<string>() ?? "";
                var gone = store.Delete(request.Type, itemNamespace, item["metadata"]!["name"]!.GetValue<string>(), null, null, dryRun);
                gone.Remove("kind");
                gone.Remove("apiVersion");
                deleted.Add(gone);
            }
        }

        await KubeJson.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = $"{request.Type.Kind}List",
            ["apiVersion"] = request.Type.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    private static async Task WriteObjectAsync(HttpContext context, ResourceType type, int statusCode, JsonObject obj)
    {
        var representation = Negotiate(context, list: false);
        if (representation is { As: "Table" } table)
        {
            var includeObject = context.Request.Query["includeObject"].ToString();
            await KubeJson.WriteAsync(context, statusCode, Tables.Build(type, [obj], new JsonObject(), table.Version, includeObject), table.ContentType);
            return;
        }

        if (representation is { } partial)
        {
            await KubeJson.WriteAsync(context, statusCode, PartialMetadata(obj, partial.Version), partial.ContentType);
            return;
        }

        await KubeJson.WriteAsync(context, statusCode, obj);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, ResourceType type)
    {
        var mediaType = MediaType(context.Request.ContentType);
        if (mediaType == ProtobufBodies.MediaType)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return ProtobufBodies.Decode(type, buffer.ToArray());
        }

        if (mediaType is not ("application/json" or ""))
        {
            throw ApiErrors.UnsupportedMediaType(["application/json", ProtobufBodies.MediaType]);
        }

        return await KubeJson.ReadBodyAsync(context) as JsonObject
            ?? throw ApiErrors.BadRequest("the body of the request is not a JSON object");
    }

    private static JsonObject PartialMetadata(JsonObject obj, string version) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = $"{PartialMetadataGroup}/{version}",
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    /// <summary>
    /// Picks the first acceptable alternative of the Accept header: plain JSON (null), partial object metadata or a
    /// Table. Protobuf is not served, so such alternatives are skipped, as the apiserver skips what it cannot give.
    /// </summary>
    private static Representation? Negotiate(HttpContext context, bool list)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Trim().Length == 0)
        {
            return null;
        }

        foreach (var alternative in accept.Split(','))
        {
            var parts = alternative.Split(';', StringSplitOptions.TrimEntries);
            var mediaType = parts[0].ToLowerInvariant();
            var parameters = parts.Skip(1)
                .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1]);
            if (mediaType is not ("application/json" or "application/*" or "*/*"))
            {
                continue;
            }

            if (!parameters.TryGetValue("as", out var representation))
            {
                return null;
            }

            var partial = list ? "PartialObjectMetadataList" : "PartialObjectMetadata";
            if ((representation == partial || representation == "Table")
                && parameters.GetValueOrDefault("g") == PartialMetadataGroup
                && parameters.GetValueOrDefault("v") is "v1" or "v1beta1")
            {
                var version = parameters["v"];
                return new Representation(representation, version, $"application/json;as={representation};g={PartialMetadataGroup};v={version}");
            }
        }

        throw ApiErrors.NotAcceptable();
    }

    private static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static bool IsTrue(string? value) => value is "true" or "1";

    private static int ParseLimit(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
            ? limit
            : throw ApiErrors.BadRequest($"invalid limit: {value}");
    }

    private static string KeyOf(JsonObject obj) =>
        $"{obj["metadata"]?["namespace"]?.GetValue<string>()}/{obj["metadata"]?["name"]?.GetValue<string>()}";

    private sealed record ResourceRequest(ResourceType Type, string? Namespace, string? Name, string? Subresource);

    /// <summary>A meta.k8s.io form of the answer: <c>As</c> is PartialObjectMetadata, PartialObjectMetadataList or Table.</summary>
    private sealed record Representation(string As, string Version, string ContentType);

    /// <summary>The opaque continue token: base64url of the snapshot's resourceVersion and the last key served.</summary>
    private static class ContinueToken
    {
        public static string Encode(long resourceVersion, string lastKey)
        {
            var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = resourceVersion, ["start"] = lastKey + "\u0000" }.ToJsonString();
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        public static (long ResourceVersion, string LastKey) Decode(string token)
        {
            var invalid = ApiErrors.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            try
            {
                var base64 = token.Replace('-', '+').Replace('_', '/');
                base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
                if (JsonNode.Parse(Convert.FromBase64String(base64)) is JsonObject json
                    && json["start"] is JsonValue start && start.TryGetValue<string>(out var lastKey)
                    && json["rv"] is JsonValue version && version.TryGetValue<long>(out var resourceVersion))
                {
                    return (resourceVersion, lastKey.TrimEnd('\u0000'));
                }

                throw invalid;
            }
            catch (Exception e) when (e is FormatException or JsonException)
            {
                throw invalid;
            }
        }
    }
}
