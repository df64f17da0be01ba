using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Credentials;

namespace HelmUnstick.Core.Releases;

/// <summary>
/// A backup document (the release storage object <c>fix</c> saves before it changes anything, as JSON) once it is
/// proven to be exactly that: a Helm release Secret (or ConfigMap) whose name, labels, namespace and payload
/// agree. Restoring writes only what this holds, so a hand-edited file cannot become a way to write any Secret
/// anywhere with the operator's credentials.
/// </summary>
/// <param name="Release">The release name, from the object's name (and equal to its label and payload).</param>
/// <param name="Annotations">The object's own annotations, without the backup's source annotations.</param>
/// <param name="Payload">Helm's payload: the <c>data.release</c> value as bytes (Helm's base64 text).</param>
/// <param name="Origin">The cluster the backup was taken from, when the backup says.</param>
public sealed record ReleaseBackup(
    StorageDriver Driver,
    string Namespace,
    string Name,
    string Release,
    int Revision,
    string? Uid,
    string? ResourceVersion,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    byte[] Payload,
    bool? Immutable,
    BackupOrigin? Origin)
{
    /// <summary>Annotation on the saved copy (never on the cluster): the API server it was read from, without user info.</summary>
    public const string SourceServerAnnotation = "helm-unstick.io/backup-server";

    /// <summary>Annotation on the saved copy: the kubeconfig context it was read through.</summary>
    public const string SourceContextAnnotation = "helm-unstick.io/backup-context";

    /// <summary>The type Helm gives its release Secrets.</summary>
    public const string HelmSecretType = "helm.sh/release.v1";

    /// <summary>A larger file is not a backup (the API server refuses objects over 1.5 MiB): refused before it is read.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    private const string NamePrefix = "sh.helm.release.v1.";

    /// <summary>Reads and checks a backup document (UTF-8 JSON).</summary>
    /// <exception cref="BackupRejectedException">The document is not a backup, or not a Helm release object whose parts agree.</exception>
    public static ReleaseBackup Parse(ReadOnlySpan<byte> json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw NotABackup("", $"it is not JSON ({e.Message})");
        }

        if (root is not JsonObject obj)
        {
            throw NotABackup("", $"it holds a JSON {KindOf(root)}, not a Secret or ConfigMap object");
        }

        var kind = RequiredString(obj, "kind", "kind");
        var driver = kind switch
        {
            "Secret" => StorageDriver.Secret,
            "ConfigMap" => StorageDriver.ConfigMap,
            _ => throw Mismatch("kind", $"kind is \"{kind}\"; only a Secret or ConfigMap of Helm's release storage is restored"),
        };
        var apiVersion = RequiredString(obj, "apiVersion", "apiVersion");
        Expect(apiVersion == "v1", "apiVersion", $"apiVersion is \"{apiVersion}\", not \"v1\"");

        var metadata = obj["metadata"] as JsonObject ?? throw NotABackup("metadata", "it has no metadata object");
        var name = RequiredString(metadata, "name", "metadata.name");
        var ns = RequiredString(metadata, "namespace", "metadata.namespace");
        Expect(KubernetesNames.IsNamespace(ns), "metadata.namespace", $"metadata.namespace \"{ns}\" is not a namespace name ({KubernetesNames.NamespaceRule})");
        var (release, revision) = ParseObjectName(name);

        var labels = StringMap(metadata, "labels", "metadata.labels");
        Expect(labels.GetValueOrDefault("owner") == "helm", "metadata.labels.owner",
            $"label owner is {Quoted(labels.GetValueOrDefault("owner"))}, not \"helm\": not a Helm release object");
        Expect(labels.GetValueOrDefault("name") == release, "metadata.labels.name",
            $"label name is {Quoted(labels.GetValueOrDefault("name"))} but the object's name says release \"{release}\"");
        Expect(labels.GetValueOrDefault("version") == revision.ToString(CultureInfo.InvariantCulture), "metadata.labels.version",
            $"label version is {Quoted(labels.GetValueOrDefault("version"))} but the object's name says revision {revision}");
        var annotations = StringMap(metadata, "annotations", "metadata.annotations");

        var type = obj["type"] is null ? null : RequiredString(obj, "type", "type");
        if (driver == StorageDriver.Secret)
        {
            Expect(type == HelmSecretType, "type", $"type is {Quoted(type)}, not \"{HelmSecretType}\": not a Helm release Secret");
            Expect(obj["stringData"] is null, "stringData", "it has stringData; a Helm release Secret holds only data.release");
        }
        else
        {
            Expect(type is null, "type", $"a ConfigMap has no type, but this one says {Quoted(type)}");
            Expect(obj["binaryData"] is null, "binaryData", "it has binaryData; a Helm release ConfigMap holds only data.release");
        }

        var data = StringMap(obj, "data", "data");
        var extra = data.Keys.FirstOrDefault(k => k != "release");
        Expect(extra is null, $"data.{extra}", $"it has the data key \"{extra}\"; a Helm release object holds only data.release");
        Expect(data.TryGetValue("release", out var stored), "data.release", "it has no data.release (Helm's release payload)");
        var payload = driver == StorageDriver.Secret ? ApiBase64(stored!) : Encoding.UTF8.GetBytes(stored!);
        HelmRelease decoded;
        try
        {
            decoded = ReleaseCodec.Decode(payload);
        }
        catch (ReleasePayloadException e)
        {
            throw Mismatch("data.release", $"data.release is not a Helm release payload: {e.Message}");
        }

        Expect(decoded.Name == release, "data.release.name", $"the payload's release name is \"{decoded.Name}\" but the object's name says \"{release}\"");
        Expect(decoded.Namespace == ns, "data.release.namespace", $"the payload's namespace is \"{decoded.Namespace}\" but the object is in namespace \"{ns}\"");
        Expect(decoded.Version == revision, "data.release.version", $"the payload's version is {decoded.Version} but the object's name says revision {revision}");

        var immutable = obj["immutable"] switch
        {
            null => (bool?)null,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw NotABackup("immutable", "immutable is not true or false"),
        };

        var origin = annotations.TryGetValue(SourceServerAnnotation, out var server)
            ? new BackupOrigin(server, annotations.GetValueOrDefault(SourceContextAnnotation))
            : null;
        var own = annotations.Where(a => a.Key is not SourceServerAnnotation and not SourceContextAnnotation).ToDictionary(a => a.Key, a => a.Value);
        return new ReleaseBackup(driver, ns, name, release, revision, OptionalString(metadata, "uid"), OptionalString(metadata, "resourceVersion"),
            labels, own, payload, immutable, origin);
    }

    /// <summary>Whether the backup was taken from the API server at <paramref name="currentServer"/>.</summary>
    public BackupOriginMatch MatchOrigin(string currentServer) =>
        Origin is null ? BackupOriginMatch.Unknown
        : ServerUrl.Same(Origin.Server, currentServer) ? BackupOriginMatch.Same
        : BackupOriginMatch.Other;

    /// <summary>The release storage object's name Helm gives revision <paramref name="revision"/> of <paramref name="release"/>.</summary>
    public static string ObjectName(string release, int revision) => $"{NamePrefix}{release}.v{revision.ToString(CultureInfo.InvariantCulture)}";

    private static (string Release, int Revision) ParseObjectName(string name)
    {
        var problem = $"metadata.name \"{name}\" is not a Helm release object's name (sh.helm.release.v1.RELEASE.vREVISION)";
        var dot = name.LastIndexOf(".v", StringComparison.Ordinal);
        Expect(name.StartsWith(NamePrefix, StringComparison.Ordinal) && dot > NamePrefix.Length, "metadata.name", problem);
        var release = name[NamePrefix.Length..dot];
        var digits = name[(dot + 2)..];
        Expect(KubernetesNames.IsReleaseName(release)
               && digits is [>= '1' and <= '9', ..] && digits.All(char.IsAsciiDigit)
               && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out _), "metadata.name", problem);
        return (release, int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>The API's JSON form of Secret data: base64 of the stored bytes.</summary>
    private static byte[] ApiBase64(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw Mismatch("data.release", "data.release is not base64, as a Secret's data in JSON is");
        }
    }

    private static Dictionary<string, string> StringMap(JsonObject parent, string key, string field)
    {
        switch (parent[key])
        {
            case null:
                return [];
            case JsonObject map:
                var result = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in map)
                {
                    result[k] = v is JsonValue value && value.TryGetValue<string>(out var s) ? s : throw NotABackup($"{field}.{k}", $"{field}.{k} is not a string");
                }

                return result;
            default:
                throw NotABackup(field, $"{field} is not an object of strings");
        }
    }

    private static string RequiredString(JsonObject parent, string key, string field) =>
        OptionalString(parent, key) ?? throw NotABackup(field, parent[key] is null ? $"it has no {field}" : $"{field} is not a string");

    private static string? OptionalString(JsonObject parent, string key) =>
        parent[key] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static string KindOf(JsonNode? node) => node switch
    {
        JsonArray => "array",
        null => "null",
        _ => node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private static string Quoted(string? value) => value is null ? "missing" : $"\"{value}\"";

    private static void Expect(bool condition, string field, string problem)
    {
        if (!condition)
        {
            throw Mismatch(field, problem);
        }
    }

    private static BackupRejectedException Mismatch(string field, string problem) => new(BackupProblem.NotAReleaseObject, field, problem);

    private static BackupRejectedException NotABackup(string field, string problem) => new(BackupProblem.NotABackup, field, problem);
}

/// <summary>The cluster a backup was read from: the API server's URL (without user info) and the context's name.</summary>
public sealed record BackupOrigin(string Server, string? Context);

/// <summary>Whether a backup comes from the cluster it is about to be restored into.</summary>
public enum BackupOriginMatch
{
    Same,

    /// <summary>The backup does not say where it was taken (an older or hand-made file).</summary>
    Unknown,

    Other,
}

/// <summary>Why a backup document is refused.</summary>
public enum BackupProblem
{
    /// <summary>The file is not a backup at all: not JSON, not an object, or a Kubernetes object of the wrong shape.</summary>
    NotABackup,

    /// <summary>A well-formed object, but not a Helm release object whose kind, type, name, labels, namespace and payload agree.</summary>
    NotAReleaseObject,
}

/// <summary>A backup document that must not be restored; <see cref="Field"/> names the part that does not match.</summary>
public sealed class BackupRejectedException(BackupProblem problem, string field, string message) : Exception(message)
{
    public BackupProblem Problem { get; } = problem;

    /// <summary>The JSON path of the part that does not match (empty when the whole document is wrong).</summary>
    public string Field { get; } = field;
}
