namespace HelmUnstick.Sandbox;

/// <summary>A request that the API answers with a failure <c>Status</c>.</summary>
internal sealed class ApiException(int code, JsonObject status) : Exception(status["message"]?.GetValue<string>())
{
    public int Code { get; } = code;

    public JsonObject Status { get; } = status;
}

/// <summary>Builds <c>Status</c> objects shaped and worded exactly like kube-apiserver's.</summary>
internal static class ApiErrors
{
    public static JsonObject Status(int code, string reason, string message, JsonObject? details) =>
        Status(code, reason, message, details, includeDetails: true);

    private static JsonObject Status(int code, string reason, string message, JsonObject? details, bool includeDetails)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (includeDetails)
        {
            status["details"] = details ?? new JsonObject();
        }

        status["code"] = code;
        return status;
    }

    public static JsonObject Success(ResourceType type, string name, string? uid)
    {
        var details = Details(type, name);
        if (uid is not null)
        {
            details["uid"] = uid;
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    /// <summary>
    /// The <c>details</c> of a Status. The apiserver names the resource in <c>kind</c> (as in <c>secrets</c>), except
    /// for Invalid, which names the kind (as in <c>Secret</c>).
    /// </summary>
    private static JsonObject Details(ResourceType type, string name, bool namesKind = false)
    {
        var details = new JsonObject();
        if (name.Length > 0)
        {
            details["name"] = name;
        }

        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = namesKind ? type.Kind : type.Resource;
        return details;
    }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, Status(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", Details(type, name)));

    public static ApiException NamespaceNotFound(string ns) => NotFound(ResourceCatalog.Namespaces, ns);

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, Status(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", Details(type, name)));

    public static ApiException Conflict(ResourceType type, string name, string problem) =>
        new(409, Status(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {problem}", Details(type, name)));

    public static ApiException Modified(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException Invalid(ResourceType type, string name, string field, string causeReason, string detail)
    {
        var details = Details(type, name, namesKind: true);
        details["causes"] = new JsonArray(new JsonObject
        {
            ["reason"] = causeReason,
            ["message"] = detail,
            ["field"] = field,
        });
        return new(422, Status(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {field}: {detail}", details));
    }

    public static ApiException BadRequest(string message) =>
        new(400, Status(400, "BadRequest", message, null, includeDetails: false));

    public static ApiException UnknownPath() =>
        new(404, Status(404, "NotFound", "the server could not find the requested resource", new JsonObject()));

    public static ApiException MethodNotAllowed() =>
        new(405, Status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject()));

    public static ApiException UnsupportedMediaType(IEnumerable<string> accepted) =>
        new(415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}", new JsonObject()));

    public static ApiException NotAcceptable() =>
        new(406, Status(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml", new JsonObject()));

    public static ApiException Unauthorized() =>
        new(401, Status(401, "Unauthorized", "Unauthorized", null, includeDetails: false));

    public static ApiException Forbidden(ResourceType type, string user, string verb, string? ns, string? name, string resource)
    {
        var subject = string.IsNullOrEmpty(name) ? type.QualifiedResource : $"{type.QualifiedResource} \"{name}\"";
        var scope = string.IsNullOrEmpty(ns) ? "at the cluster scope" : $"in the namespace \"{ns}\"";
        var message = $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{type.Group}\" {scope}";
        return new(403, Status(403, "Forbidden", message, Details(type, name ?? "")));
    }
}
