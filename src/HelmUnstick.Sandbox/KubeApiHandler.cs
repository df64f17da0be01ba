using HelmUnstick.Sandbox.OpenApi;
using HelmUnstick.Sandbox.Patching;
using HelmUnstick.Sandbox.Protobuf;

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
                await (Discovery.WantsAggregated(context.Request.Headers.Accept.ToString()) is { } core
                    ? KubeJson.WriteAsync(context, 200, Discovery.AggregatedCore(core.Version), core.ContentType)
                    : KubeJson.WriteAsync(context, 200, Discovery.ApiVersions($"{context.Request.Host}")));
                return;
            case ["apis"] when isGet:
                await (Discovery.WantsAggregated(context.Request.Headers.Accept.ToString()) is { } groups
                    ? KubeJson.WriteAsync(context, 200, Discovery.AggregatedGroups(groups.Version), groups.ContentType)
                    : KubeJson.WriteAsync(context, 200, Discovery.GroupList()));
                return;
            case ["openapi", "v2"] when isGet:
                await WriteOpenApiV2Async(context);
                return;
            case ["openapi", "v3"] when isGet:
                await KubeJson.WriteAsync(context, 200, OpenApiDocuments.V3Index());
                return;
            case ["openapi", "v3", .. var groupVersionPath] when isGet:
                if (!OpenApiDocuments.TryGetV3Document(string.Join('/', groupVersionPath), out var document))
                {
                    throw ApiErrors.UnknownPath();
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = KubeJson.ContentType;
                await context.Response.WriteAsync(document, context.RequestAborted);
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
            ["namespaces", var ns, var resource, var name, "status"] when ClusterStore.HasStatusSubresource(Type(resource, true)) =>
                new(Type(resource, true), ns, name, "status"),
            ["namespaces", var ns, var resource, var name, ScaleSubresource.Name] when ScaleSubresource.Supports(Type(resource, true)) =>
                new(Type(resource, true), ns, name, ScaleSubresource.Name),
            [var resource] => new(Type(resource, false), null, null, null),
            [var resource, var name] when !Type(resource, false).Namespaced => new(Type(resource, false), null, name, null),
            [var resource, var name, "status"] when !Type(resource, false).Namespaced && ClusterStore.HasStatusSubresource(Type(resource, false)) =>
                new(Type(resource, false), null, name, "status"),
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
        if (context.Request.Query["fieldValidation"].ToString() is not ("" or "Ignore" or "Warn" or "Strict") and var fieldValidation)
        {
            throw ApiErrors.BadRequest($"fieldValidation must be one of Ignore, Warn, Strict; got {fieldValidation}");
        }

        // Any valid fieldValidation is accepted without checking fields: the sandbox keeps whatever it is sent.
        if (request.Subresource == ScaleSubresource.Name)
        {
            await ScaleAsync(context, request, verb, dryRun);
            return;
        }

        switch (verb)
        {
            case "watch":
                await WatchStream.ServeAsync(context, store, request.Type, request.Namespace, WatchedForm(context, request.Type), stopping);
                return;
            case "list":
                await ListAsync(context, request);
                return;
            case "get":
                var found = store.Get(request.Type.GroupVersion, request.Type.Resource, ns, name) ?? throw ApiErrors.NotFound(request.Type, name);
                await WriteObjectAsync(context, 200, found);
                return;
            case "create":
                var toCreate = await ReadObjectAsync(context, request.Type.Kind);
                var created = store.Create(request.Type, ns, RecordManager(context, null, toCreate), dryRun);
                await WriteObjectAsync(context, 201, created);
                return;
            case "update":
                var body = await ReadObjectAsync(context, request.Type.Kind);
                var updated = store.Modify(
                    request.Type, ns, name, current => RecordManager(context, current, body), dryRun, writesStatus: request.Subresource == "status");
                await WriteObjectAsync(context, 200, updated);
                return;
            case "patch":
                var mediaType = MediaType(context.Request.ContentType);
                var patch = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
                if (mediaType == PatchHandlers.ApplyPatch)
                {
                    await ApplyAsync(context, request, patch, dryRun);
                    return;
                }

                var patched = store.Modify(
                    request.Type,
                    ns,
                    name,
                    current => RecordManager(context, current, PatchHandlers.Apply(mediaType, current, patch)),
                    dryRun,
                    writesStatus: request.Subresource == "status");
                await WriteObjectAsync(context, 200, patched);
                return;
            case "delete":
                await DeleteAsync(context, request.Type, ns, name, dryRun);
                return;
            default:
                await DeleteCollectionAsync(context, request, dryRun);
                return;
        }
    }

    private async Task ScaleAsync(HttpContext context, ResourceRequest request, string verb, bool dryRun)
    {
        var ns = request.Namespace!;
        var name = request.Name!;
        JsonObject result;
        switch (verb)
        {
            case "get":
                result = store.Get(request.Type.GroupVersion, request.Type.Resource, ns, name) ?? throw ApiErrors.NotFound(request.Type, name);
                break;
            case "update":
                var scale = await ReadObjectAsync(context, "Scale");
                result = store.Modify(request.Type, ns, name, current => ScaleSubresource.Apply(current, scale), dryRun, writesStatus: false);
                break;
            default:
                var mediaType = MediaType(context.Request.ContentType);
                var patch = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
                result = store.Modify(
                    request.Type,
                    ns,
                    name,
                    current => ScaleSubresource.Apply(current, PatchHandlers.Apply(mediaType, ScaleSubresource.Of(current), patch)),
                    dryRun,
                    writesStatus: false);
                break;
        }

        await KubeJson.WriteAsync(context, 200, ScaleSubresource.Of(result));
    }

    /// <summary>
    /// Server-side apply: creates the object when missing (201), otherwise merges the applied configuration and
    /// moves field ownership; a field another manager owns with a different value is a 409 conflict unless forced.
    /// </summary>
    private async Task ApplyAsync(HttpContext context, ResourceRequest request, string patch, bool dryRun)
    {
        var fieldManager = context.Request.Query["fieldManager"].ToString();
        if (fieldManager.Length == 0)
        {
            throw ApiErrors.BadRequest("PATCH, application/apply-patch+yaml: fieldManager is required for apply requests");
        }

        var applied = PatchHandlers.ParseApplyConfiguration(patch);
        var force = IsTrue(context.Request.Query["force"]);
        var ns = request.Namespace ?? "";
        var name = request.Name!;
        JsonObject Applied(JsonObject? live)
        {
            var result = ServerSideApply.Apply(live, applied, fieldManager, force, store.UtcNow);
            return result.Succeeded ? result.Object! : throw new ApiException(409, result.ToConflictStatus());
        }

        if (store.Get(request.Type.GroupVersion, request.Type.Resource, ns, name) is null)
        {
            var toCreate = Applied(null);
            ClusterStore.Metadata(toCreate)["name"] = name;
            await WriteObjectAsync(context, 201, store.Create(request.Type, ns, toCreate, dryRun));
            return;
        }

        await WriteObjectAsync(context, 200, store.Modify(request.Type, ns, name, Applied, dryRun, writesStatus: false));
    }

    /// <summary>A write naming a fieldManager takes ownership of the fields it sets (metadata.managedFields).</summary>
    private JsonObject RecordManager(HttpContext context, JsonObject? before, JsonObject after)
    {
        var fieldManager = context.Request.Query["fieldManager"].ToString();
        return fieldManager.Length == 0 ? after : ServerSideApply.RecordUpdate(before, after, fieldManager, store.UtcNow);
    }

    private static async Task WriteOpenApiV2Async(HttpContext context)
    {
        if (context.Request.Headers.Accept.ToString().Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            var bytes = OpenApiDocuments.V2Protobuf();
            context.Response.StatusCode = 200;
            context.Response.ContentType = OpenApiDocuments.V2ProtobufResponseContentType;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        await KubeJson.WriteAsync(context, 200, OpenApiDocuments.V2Json());
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
            start = IndexAfter(all, position.Namespace, position.Name);
        }

        // The stored objects themselves: each representation below copies only what it serves of them.
        var items = new List<JsonObject>();
        var next = start;
        for (; next < all.Count && (limit == 0 || items.Count < limit); next++)
        {
            if (labels.Matches(all[next]) && fields.Matches(all[next]))
            {
                items.Add(all[next]);
            }
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (next < all.Count)
        {
            metadata["continue"] = ContinueToken.Encode(resourceVersion, NamespaceOf(all[next - 1]), NameOf(all[next - 1]));
            if (labels.IsEmpty && fields.IsEmpty)
            {
                // The apiserver can count what is left only when nothing is filtered out.
                metadata["remainingItemCount"] = all.Count - next;
            }
        }

        var representation = Negotiate(context, list: true, protobufKind: ProtobufKinds.Contains(request.Type.Kind));
        if (representation.Form == Form.Table)
        {
            await KubeJson.WriteAsync(
                context,
                200,
                TableFormat.Build(request.Type, [.. items.Select(item => (JsonObject)item.DeepClone())], representation.Version, resourceVersion.ToString(CultureInfo.InvariantCulture), IncludeObject(context), store.UtcNow),
                representation.ContentType);
            return;
        }

        if (representation is { Form: Form.PartialMetadata } partial)
        {
            await KubeJson.WriteListAsync(
                context, "PartialObjectMetadataList", $"{PartialMetadataGroup}/{partial.Version}", metadata, items, "PartialObjectMetadata", partial.ContentType);
            return;
        }

        if (representation.Form != Form.Protobuf)
        {
            await KubeJson.WriteListAsync(context, $"{request.Type.Kind}List", request.Type.GroupVersion, metadata, items, itemKind: null);
            return;
        }

        var list = new JsonObject
        {
            ["kind"] = $"{request.Type.Kind}List",
            ["apiVersion"] = request.Type.GroupVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items.Select(stored =>
            {
                // Items of a typed list carry no kind or apiVersion, as the apiserver serves them.
                var item = (JsonObject)stored.DeepClone();
                item.Remove("kind");
                item.Remove("apiVersion");
                return (JsonNode)item;
            }).ToArray()),
        };
        await WriteAsync(context, 200, list, representation);
    }

    private async Task DeleteAsync(HttpContext context, ResourceType type, string ns, string name, bool dryRun)
    {
        var options = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? await ReadObjectAsync(context, "DeleteOptions")
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
            metadata["deletionTimestamp"] = store.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            if (type.Resource == "namespaces")
            {
                deleted["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            await WriteObjectAsync(context, 200, deleted);
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
                JsonObject gone;
                try
                {
                    gone = store.Delete(request.Type, NamespaceOf(item), NameOf(item), null, null, dryRun);
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    continue; // deleted by someone else meanwhile, as the apiserver tolerates
                }

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

    private async Task WriteObjectAsync(HttpContext context, int statusCode, JsonObject obj)
    {
        var kind = obj["kind"]?.GetValue<string>() ?? "";
        var representation = Negotiate(context, list: false, protobufKind: ProtobufKinds.Contains(kind));
        switch (representation.Form)
        {
            case Form.PartialMetadata:
                await KubeJson.WriteAsync(context, statusCode, PartialMetadata(obj, representation.Version), representation.ContentType);
                return;
            case Form.Table:
                var type = ResourceCatalog.FindByKind(obj["apiVersion"]?.GetValue<string>() ?? "", kind) ?? throw ApiErrors.NotAcceptable();
                var table = TableFormat.Build(type, [obj], representation.Version, null, IncludeObject(context), store.UtcNow);
                await KubeJson.WriteAsync(context, statusCode, table, representation.ContentType);
                return;
            default:
                await WriteAsync(context, statusCode, obj, representation);
                return;
        }
    }

    private static async Task WriteAsync(HttpContext context, int statusCode, JsonObject body, Representation representation)
    {
        if (representation.Form != Form.Protobuf)
        {
            await KubeJson.WriteAsync(context, statusCode, body);
            return;
        }

        var bytes = KubernetesProtobuf.EncodeObject(body);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = KubernetesProtobuf.MediaType;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>How each watched object is sent: as is, as its metadata, or (kubectl get -w) as a one-row Table.</summary>
    private Func<JsonObject, JsonObject> WatchedForm(HttpContext context, ResourceType type)
    {
        var representation = Negotiate(context, list: false, protobufKind: false);
        return representation.Form switch
        {
            Form.PartialMetadata => obj => PartialMetadata(obj, representation.Version),
            Form.Table => obj => TableFormat.Build(
                type, [obj], representation.Version, obj["metadata"]?["resourceVersion"]?.GetValue<string>(), IncludeObject(context), store.UtcNow),
            _ => obj => obj,
        };
    }

    private static string IncludeObject(HttpContext context) =>
        context.Request.Query["includeObject"].ToString() is { Length: > 0 } include ? include : "Metadata";

    /// <summary>
    /// Reads a JSON body or, for the kinds Helm sends that way (Secret, ConfigMap, DeleteOptions), a protobuf one.
    /// <paramref name="kind"/> is what the endpoint takes.
    /// </summary>
    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, string kind)
    {
        var mediaType = MediaType(context.Request.ContentType);
        if (mediaType == KubernetesProtobuf.MediaType)
        {
            if (!KubernetesProtobuf.CanDecode(kind))
            {
                // client-go answers a 415 to a protobuf body by sending the request again as JSON.
                throw ApiErrors.UnsupportedMediaType(["application/json"]);
            }

            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            JsonObject decoded;
            try
            {
                decoded = KubernetesProtobuf.DecodeObject(buffer.ToArray());
            }
            catch (NotSupportedException)
            {
                throw ApiErrors.UnsupportedMediaType(["application/json"]);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw ApiErrors.BadRequest($"the body of the request could not be decoded as protobuf: {e.Message}");
            }

            // The envelope names its kind; the apiserver refuses one that is not what the URL takes.
            var bodyKind = decoded["kind"]?.GetValue<string>();
            return string.IsNullOrEmpty(bodyKind) || bodyKind == kind
                ? decoded
                : throw ApiErrors.BadRequest($"the body of the request is a {bodyKind}, but this endpoint takes a {kind}");
        }

        if (mediaType is not ("application/json" or ""))
        {
            throw ApiErrors.UnsupportedMediaType(["application/json", "application/yaml", KubernetesProtobuf.MediaType]);
        }

        return await KubeJson.ReadBodyAsync(context) as JsonObject
            ?? throw ApiErrors.BadRequest("the body of the request is not a JSON object");
    }

    /// <summary>The kinds (and their lists) this server can encode as protobuf.</summary>
    private static readonly HashSet<string> ProtobufKinds = ["Secret", "SecretList", "ConfigMap", "ConfigMapList", "Status"];

    private static JsonObject PartialMetadata(JsonObject obj, string version) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = $"{PartialMetadataGroup}/{version}",
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    /// <summary>
    /// Picks the first acceptable alternative of the Accept header: plain JSON, protobuf (for the kinds it can be
    /// encoded for), partial object metadata, or a Table. Alternatives it cannot give are skipped, as the apiserver
    /// skips them; when none is left the answer is 406.
    /// </summary>
    private static Representation Negotiate(HttpContext context, bool list, bool protobufKind)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Trim().Length == 0)
        {
            return Representation.Json;
        }

        foreach (var alternative in accept.Split(','))
        {
            var parts = alternative.Split(';', StringSplitOptions.TrimEntries);
            var mediaType = parts[0].ToLowerInvariant();
            var parameters = parts.Skip(1)
                .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1]);
            if (mediaType == KubernetesProtobuf.MediaType && protobufKind && !parameters.ContainsKey("as"))
            {
                return Representation.Protobuf;
            }

            if (mediaType is not ("application/json" or "application/*" or "*/*"))
            {
                continue;
            }

            if (!parameters.TryGetValue("as", out var representation))
            {
                return Representation.Json;
            }

            if (parameters.GetValueOrDefault("g") != PartialMetadataGroup || parameters.GetValueOrDefault("v") is not ("v1" or "v1beta1"))
            {
                continue;
            }

            var version = parameters["v"];
            var wanted = list ? "PartialObjectMetadataList" : "PartialObjectMetadata";
            if (representation == wanted)
            {
                return new Representation(Form.PartialMetadata, version, $"application/json;as={wanted};g={PartialMetadataGroup};v={version}");
            }

            if (representation == "Table")
            {
                return new Representation(Form.Table, version, $"application/json;as=Table;g={PartialMetadataGroup};v={version}");
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

    private static string NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";

    private static string NameOf(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    /// <summary>
    /// Where the page after (namespace, name) starts: a binary search, since a snapshot is in the store's key
    /// order (namespace, then name, compared ordinally); a scan from the start would make paging quadratic.
    /// </summary>
    private static int IndexAfter(IReadOnlyList<JsonObject> items, string ns, string name)
    {
        var (low, high) = (0, items.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            var order = string.CompareOrdinal(NamespaceOf(items[middle]), ns);
            order = order != 0 ? order : string.CompareOrdinal(NameOf(items[middle]), name);
            (low, high) = order <= 0 ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    private sealed record ResourceRequest(ResourceType Type, string? Namespace, string? Name, string? Subresource);

    private enum Form
    {
        Json,
        Protobuf,
        PartialMetadata,
        Table,
    }

    private sealed record Representation(Form Form, string Version, string ContentType)
    {
        public static readonly Representation Json = new(Form.Json, "", KubeJson.ContentType);

        public static readonly Representation Protobuf = new(Form.Protobuf, "", KubernetesProtobuf.MediaType);
    }

    /// <summary>The opaque continue token: base64url of the snapshot's resourceVersion and the last key served.</summary>
    private static class ContinueToken
    {
        public static string Encode(long resourceVersion, string ns, string name)
        {
            var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = resourceVersion, ["start"] = $"{ns}/{name}\u0000" }.ToJsonString();
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        public static (long ResourceVersion, string Namespace, string Name) Decode(string token)
        {
            var invalid = ApiErrors.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            try
            {
                var base64 = token.Replace('-', '+').Replace('_', '/');
                base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
                if (JsonNode.Parse(Convert.FromBase64String(base64)) is JsonObject json
                    && json["start"] is JsonValue start && start.TryGetValue<string>(out var lastKey)
                    && json["rv"] is JsonValue version && version.TryGetValue<long>(out var resourceVersion)
                    && lastKey.TrimEnd('\u0000').Split('/', 2) is [var ns, var name])
                {
                    return (resourceVersion, ns, name);
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
