using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Storage;
using k8s;
using k8s.Models;

namespace HelmUnstick.TestSupport;

/// <summary>
/// Helm's release objects in memory, for either driver, answering as the apiserver does: every write moves the
/// resourceVersion; a write whose uid or resourceVersion moved is refused with 409 Conflict, a missing object is 404.
/// Objects go in and out as copies, so nothing a caller holds changes the store.
/// </summary>
internal sealed class InMemoryReleaseStore(StorageDriver driver) : IReleaseStore
{
    private readonly Dictionary<(string Namespace, string Name), V1Secret> _objects = [];
    private readonly object _lock = new();
    private long _resourceVersion = 1000;

    public StorageDriver Driver => driver;

    /// <summary>
    /// The release Secrets of a sandbox store file (real Helm data), kept as objects of <paramref name="driver"/>:
    /// a ConfigMap holds the same payload text and labels as the Secret Helm wrote.
    /// </summary>
    public static InMemoryReleaseStore FromStoreFile(string path, StorageDriver driver)
    {
        var store = new InMemoryReleaseStore(driver);
        foreach (var entry in JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(e => e!))
        {
            if ((string?)entry["key"]![2] == "secrets" && (string?)entry["obj"]!["metadata"]!["labels"]?["owner"] == "helm")
            {
                var stored = KubernetesJson.Deserialize<V1Secret>(entry["obj"]!.ToJsonString());
                stored.Kind = driver.Kind();
                stored.Type = driver == StorageDriver.Secret ? stored.Type : null;
                store._objects[(stored.Metadata.NamespaceProperty, stored.Metadata.Name)] = stored;
                store._resourceVersion = Math.Max(store._resourceVersion, long.Parse(stored.Metadata.ResourceVersion, CultureInfo.InvariantCulture));
            }
        }

        return store;
    }

    /// <summary>The object as stored, as JSON; null when there is none.</summary>
    public string? Json(string ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((ns, name), out var stored) ? KubernetesJson.Serialize(stored) : null;
        }
    }

    /// <summary>Another writer changes the object (a label), moving its resourceVersion as the apiserver would.</summary>
    public void Touch(string ns, string name, string label, string value)
    {
        lock (_lock)
        {
            var stored = _objects[(ns, name)];
            stored.Metadata.Labels[label] = value;
            stored.Metadata.ResourceVersion = NextResourceVersion();
        }
    }

    public Task<ReleaseHistory> ReadHistoryAsync(string release, string ns, CancellationToken ct)
    {
        lock (_lock)
        {
            var revisions = _objects.Values
                .Where(o => o.Metadata.NamespaceProperty == ns && Label(o, "name") == release && Label(o, "owner") == "helm")
                .Select(o => Copy(o).ToStoredRevision(driver))
                .ToList();
            return Task.FromResult(new ReleaseHistory(release, ns, revisions));
        }
    }

    public Task<V1Secret?> GetAsync(string ns, string name, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_objects.TryGetValue((ns, name), out var stored) ? Copy(stored) : null);
        }
    }

    public Task<bool> NamespaceExistsAsync(string ns, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_objects.Keys.Any(k => k.Namespace == ns));
        }
    }

    public Task DeleteAsync(StoredRevision target, CancellationToken ct)
    {
        lock (_lock)
        {
            var stored = Existing(target.Namespace, target.ObjectName);
            if (stored.Metadata.Uid != target.Uid || stored.Metadata.ResourceVersion != target.ResourceVersion)
            {
                throw ApiErrors.Status(HttpStatusCode.Conflict,
                    $"Precondition failed: UID in precondition: {target.Uid}, UID in object meta: {stored.Metadata.Uid}; " +
                    $"ResourceVersion in precondition: {target.ResourceVersion}, ResourceVersion in object meta: {stored.Metadata.ResourceVersion}");
            }

            _objects.Remove((target.Namespace, target.ObjectName));
            return Task.CompletedTask;
        }
    }

    public Task<V1Secret> ReplaceAsync(V1Secret stored, CancellationToken ct)
    {
        lock (_lock)
        {
            var current = Existing(stored.Metadata.NamespaceProperty, stored.Metadata.Name);
            if (stored.Metadata.ResourceVersion != current.Metadata.ResourceVersion)
            {
                throw Modified(stored.Metadata.Name);
            }

            return Task.FromResult(Put(stored, current.Metadata.Uid));
        }
    }

    public Task<V1Secret> CreateAsync(V1Secret stored, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_objects.ContainsKey((stored.Metadata.NamespaceProperty, stored.Metadata.Name)))
            {
                throw ApiErrors.Status(HttpStatusCode.Conflict, $"{driver.Resource()} \"{stored.Metadata.Name}\" already exists");
            }

            return Task.FromResult(Put(stored, Guid.NewGuid().ToString()));
        }
    }

    private static string? Label(V1Secret stored, string key) => stored.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    private V1Secret Existing(string ns, string name) =>
        _objects.TryGetValue((ns, name), out var stored) ? stored : throw ApiErrors.Status(HttpStatusCode.NotFound, $"{driver.Resource()} \"{name}\" not found");

    private Exception Modified(string name) => ApiErrors.Status(HttpStatusCode.Conflict,
        $"Operation cannot be fulfilled on {driver.Resource()} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");

    private V1Secret Put(V1Secret stored, string uid)
    {
        var copy = Copy(stored);
        copy.Metadata.Uid = uid;
        copy.Metadata.ResourceVersion = NextResourceVersion();
        _objects[(copy.Metadata.NamespaceProperty, copy.Metadata.Name)] = copy;
        return Copy(copy);
    }

    private string NextResourceVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static V1Secret Copy(V1Secret stored) => KubernetesJson.Deserialize<V1Secret>(KubernetesJson.Serialize(stored));
}
