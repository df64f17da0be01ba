using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace HelmUnstick.Sandbox;

/// <summary>
/// The emulated etcd: every object by (groupVersion, resource, namespace, name), one global resourceVersion
/// counter, and the apiserver's create/update/delete rules. Thread-safe; objects handed out are copies.
/// Cluster-scoped objects use the empty namespace.
/// </summary>
public sealed class ClusterStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<StoreKey, JsonObject> _objects = new();
    private readonly List<StoreEvent> _history = [];
    private readonly List<Channel<StoreEvent>> _watchers = [];
    private long _resourceVersion = 1000;

    public ClusterStore()
    {
        foreach (var ns in new[] { "default", "kube-node-lease", "kube-public", "kube-system" })
        {
            EnsureNamespace(ns);
        }
    }

    /// <summary>The newest resourceVersion handed out.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>A copy of the object, or null.</summary>
    public JsonObject? Get(string groupVersion, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(new StoreKey(groupVersion, resource, ns ?? "", name), out var obj)
                ? (JsonObject)obj.DeepClone()
                : null;
        }
    }

    /// <summary>Copies of the objects of one resource, in one namespace or all (null), ordered by namespace then name.</summary>
    public IReadOnlyList<JsonObject> List(string groupVersion, string resource, string? ns = null) =>
        Snapshot(groupVersion, resource, ns).Items.Select(item => (JsonObject)item.DeepClone()).ToList();

    /// <summary>
    /// Stores the object as given (for seeding), creating its namespace when missing. Keeps a given uid and
    /// creationTimestamp, fills them in otherwise, and always assigns a new resourceVersion.
    /// </summary>
    public JsonObject Upsert(string groupVersion, string resource, JsonObject obj)
    {
        var type = ResourceCatalog.Find(groupVersion, resource)
            ?? throw new ArgumentException($"the sandbox does not serve {resource} in {groupVersion}", nameof(resource));
        var stored = (JsonObject)obj.DeepClone();
        var metadata = Metadata(stored);
        var name = metadata["name"]?.GetValue<string>()
            ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        var ns = type.Namespaced ? metadata["namespace"]?.GetValue<string>() ?? "default" : "";
        stored["apiVersion"] = type.GroupVersion;
        stored["kind"] = type.Kind;
        lock (_gate)
        {
            if (type.Namespaced)
            {
                metadata["namespace"] = ns;
                EnsureNamespace(ns);
            }
            else
            {
                metadata.Remove("namespace");
            }

            if (WorkloadController.Controls(resource) && stored["status"] is null)
            {
                // Seeded workloads without a status (as captured from a server with no controllers) roll out too.
                WorkloadController.Reconcile(resource, stored, Now());
            }

            metadata["uid"] ??= NewUid();
            metadata["creationTimestamp"] ??= Now();
            if (type.TracksGeneration)
            {
                metadata["generation"] ??= 1L;
            }

            metadata["resourceVersion"] = NextResourceVersion();
            Put(new StoreKey(groupVersion, resource, ns, name), stored);
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Removes the object; false when it did not exist. Deleting a namespace removes its contents.</summary>
    public bool Delete(string groupVersion, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            var key = new StoreKey(groupVersion, resource, ns ?? "", name);
            if (!_objects.ContainsKey(key))
            {
                return false;
            }

            Remove(key);
            return true;
        }
    }

    /// <summary>
    /// The stored objects themselves, in key order, without copying: stored objects are never changed in place
    /// (every write stores a new object), so a list can select its page and copy only that. Callers must not
    /// modify them.
    /// </summary>
    internal (List<JsonObject> Items, long ResourceVersion) Snapshot(string groupVersion, string resource, string? ns)
    {
        lock (_gate)
        {
            var items = _objects
                .Where(entry => entry.Key.GroupVersion == groupVersion && entry.Key.Resource == resource
                    && (ns is null || entry.Key.Namespace == ns))
                .Select(entry => entry.Value)
                .ToList();
            return (items, _resourceVersion);
        }
    }

    internal JsonObject Create(ResourceType type, string ns, JsonObject body, bool dryRun)
    {
        var obj = (JsonObject)body.DeepClone();
        var metadata = Metadata(obj);
        var name = metadata["name"]?.GetValue<string>() ?? "";
        var generateName = metadata["generateName"]?.GetValue<string>() ?? "";
        if (name.Length == 0 && generateName.Length == 0)
        {
            throw ApiErrors.Invalid(type, "", "metadata.name", "FieldValueRequired", "Required value: name or generateName is required");
        }

        CheckNamespaceMatches(type, ns, metadata);
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        if (HasStatusSubresource(type))
        {
            obj.Remove("status");
        }

        lock (_gate)
        {
            if (type.Namespaced && !_objects.ContainsKey(NamespaceKey(ns)))
            {
                throw ApiErrors.NamespaceNotFound(ns);
            }

            if (name.Length == 0)
            {
                name = GenerateName(type, ns, generateName);
                metadata["name"] = name;
            }

            var key = new StoreKey(type.GroupVersion, type.Resource, type.Namespaced ? ns : "", name);
            if (_objects.ContainsKey(key))
            {
                throw ApiErrors.AlreadyExists(type, name);
            }

            if (type.Namespaced)
            {
                metadata["namespace"] = ns;
            }

            metadata["uid"] = NewUid();
            metadata["creationTimestamp"] = Now();
            if (type.TracksGeneration)
            {
                metadata["generation"] = 1L;
            }

            if (type == ResourceCatalog.Namespaces)
            {
                DefaultNamespace(obj, name);
            }

            if (dryRun)
            {
                return obj;
            }

            if (WorkloadController.Controls(type.Resource))
            {
                WorkloadController.Reconcile(type.Resource, obj, Now());
            }

            metadata["resourceVersion"] = NextResourceVersion();
            Put(key, (JsonObject)obj.DeepClone());
            return obj;
        }
    }

    /// <summary>
    /// Replaces the object with what <paramref name="change"/> makes of a copy of the current one, atomically,
    /// with the rules of an update: a resourceVersion in the result must match, identity fields are kept.
    /// Only a write to the status subresource (<paramref name="writesStatus"/>) may change the status.
    /// </summary>
    internal JsonObject Modify(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> change, bool dryRun, bool writesStatus)
    {
        lock (_gate)
        {
            var key = new StoreKey(type.GroupVersion, type.Resource, type.Namespaced ? ns : "", name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(type, name);
            }

            var obj = (JsonObject)change((JsonObject)current.DeepClone()).DeepClone();
            var metadata = Metadata(obj);
            var bodyName = metadata["name"]?.GetValue<string>() ?? "";
            if (bodyName.Length > 0 && bodyName != name)
            {
                throw ApiErrors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            CheckNamespaceMatches(type, ns, metadata);
            var currentMetadata = Metadata(current);
            var currentVersion = currentMetadata["resourceVersion"]!.GetValue<string>();
            var bodyVersion = metadata["resourceVersion"]?.GetValue<string>() ?? "";
            if (bodyVersion.Length > 0 && bodyVersion != currentVersion)
            {
                throw ApiErrors.Modified(type, name);
            }

            var bodyUid = metadata["uid"]?.GetValue<string>() ?? "";
            var currentUid = currentMetadata["uid"]!.GetValue<string>();
            if (bodyUid.Length > 0 && bodyUid != currentUid)
            {
                throw ApiErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {bodyUid}, UID in object meta: {currentUid}");
            }

            obj["apiVersion"] = type.GroupVersion;
            obj["kind"] = type.Kind;
            metadata["name"] = name;
            if (type.Namespaced)
            {
                metadata["namespace"] = ns;
            }

            metadata["uid"] = currentUid;
            metadata["creationTimestamp"] = currentMetadata["creationTimestamp"]?.DeepClone();
            metadata["resourceVersion"] = currentVersion;
            if (currentMetadata["generation"] is { } generation)
            {
                var changedSpec = !JsonNode.DeepEquals(obj["spec"], current["spec"]);
                metadata["generation"] = long.Parse(generation.ToJsonString(), CultureInfo.InvariantCulture) + (changedSpec ? 1 : 0);
            }

            if (writesStatus)
            {
                // The status subresource changes nothing but the status.
                var status = obj["status"]?.DeepClone();
                obj = (JsonObject)current.DeepClone();
                SetStatus(obj, status);
                metadata = Metadata(obj);
            }
            else if (HasStatusSubresource(type))
            {
                // The main resource ignores status; only the status subresource (a controller) writes it.
                SetStatus(obj, current["status"]?.DeepClone());
            }

            if (!writesStatus && WorkloadController.Controls(type.Resource))
            {
                WorkloadController.Reconcile(type.Resource, obj, Now());
                if (JsonNode.DeepEquals(obj["spec"], current["spec"]) && JsonNode.DeepEquals(obj["metadata"], current["metadata"]))
                {
                    // Nothing the controller acts on changed: keep the status (and the resourceVersion) as it was.
                    obj["status"] = current["status"]?.DeepClone();
                }
            }

            if (JsonNode.DeepEquals(obj, current) || dryRun)
            {
                // An update that changes nothing keeps the resourceVersion, as the apiserver does.
                return obj;
            }

            metadata["resourceVersion"] = NextResourceVersion();
            Put(key, (JsonObject)obj.DeepClone());
            return obj;
        }
    }

    internal JsonObject Delete(ResourceType type, string ns, string name, string? uidPrecondition, string? versionPrecondition, bool dryRun)
    {
        lock (_gate)
        {
            var key = new StoreKey(type.GroupVersion, type.Resource, type.Namespaced ? ns : "", name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiErrors.NotFound(type, name);
            }

            var metadata = Metadata(current);
            var uid = metadata["uid"]!.GetValue<string>();
            if (!string.IsNullOrEmpty(uidPrecondition) && uidPrecondition != uid)
            {
                throw ApiErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {uidPrecondition}, UID in object meta: {uid}");
            }

            var version = metadata["resourceVersion"]!.GetValue<string>();
            if (!string.IsNullOrEmpty(versionPrecondition) && versionPrecondition != version)
            {
                throw ApiErrors.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {versionPrecondition}, ResourceVersion in object meta: {version}");
            }

            var deleted = (JsonObject)current.DeepClone();
            if (dryRun)
            {
                return deleted;
            }

            Remove(key);
            return deleted;
        }
    }

    private static void SetStatus(JsonObject obj, JsonNode? status)
    {
        if (status is null)
        {
            obj.Remove("status");
        }
        else
        {
            obj["status"] = status;
        }
    }

    private static bool HasStatusSubresource(ResourceType type) =>
        type.Group is "apps" or "autoscaling" || type.Resource is "pods" or "namespaces";

    private static void CheckNamespaceMatches(ResourceType type, string ns, JsonObject metadata)
    {
        var bodyNamespace = metadata["namespace"]?.GetValue<string>() ?? "";
        if (type.Namespaced && bodyNamespace.Length > 0 && bodyNamespace != ns)
        {
            throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    /// <summary>Stores an object whose resourceVersion is already set and tells watchers.</summary>
    private void Put(StoreKey key, JsonObject obj)
    {
        _objects.TryGetValue(key, out var previous);
        _objects[key] = obj;
        Publish(new StoreEvent(previous is null ? "ADDED" : "MODIFIED", key.GroupVersion, key.Resource, (JsonObject)obj.DeepClone(), previous));
    }

    /// <summary>Removes an object (and a namespace's contents) and tells watchers; the deletion gets its own resourceVersion.</summary>
    private void Remove(StoreKey key)
    {
        var removed = _objects[key];
        _objects.Remove(key);
        Metadata(removed)["resourceVersion"] = NextResourceVersion();
        Publish(new StoreEvent("DELETED", key.GroupVersion, key.Resource, removed, removed));
        if (key.GroupVersion == "v1" && key.Resource == "namespaces")
        {
            foreach (var contained in _objects.Keys.Where(k => k.Namespace == key.Name).ToList())
            {
                Remove(contained);
            }
        }
    }

    private void Publish(StoreEvent change)
    {
        _history.Add(change);
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(change);
        }
    }

    /// <summary>
    /// Starts following changes: the current objects of one resource and every change after them, with no gap.
    /// With <paramref name="sinceResourceVersion"/>, the changes after that version instead of the current objects.
    /// Dispose the subscription to stop.
    /// </summary>
    internal StoreSubscription Subscribe(string groupVersion, string resource, long? sinceResourceVersion)
    {
        lock (_gate)
        {
            var channel = Channel.CreateUnbounded<StoreEvent>();
            var replay = sinceResourceVersion is { } since
                ? _history.Where(change => change.GroupVersion == groupVersion && change.Resource == resource && change.ResourceVersion > since).ToList()
                : [];
            var current = _objects
                .Where(entry => entry.Key.GroupVersion == groupVersion && entry.Key.Resource == resource)
                .Select(entry => (JsonObject)entry.Value.DeepClone())
                .ToList();
            _watchers.Add(channel);
            return new StoreSubscription(current, replay, _resourceVersion, channel.Reader, () =>
            {
                lock (_gate)
                {
                    _watchers.Remove(channel);
                }
            });
        }
    }

    private void EnsureNamespace(string ns)
    {
        var key = NamespaceKey(ns);
        if (_objects.ContainsKey(key))
        {
            return;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = ns,
                ["uid"] = NewUid(),
                ["resourceVersion"] = NextResourceVersion(),
                ["creationTimestamp"] = Now(),
            },
        };
        DefaultNamespace(obj, ns);
        Put(key, obj);
    }

    private static void DefaultNamespace(JsonObject obj, string name)
    {
        var metadata = Metadata(obj);
        var labels = metadata["labels"] as JsonObject ?? new JsonObject();
        labels["kubernetes.io/metadata.name"] = name;
        metadata["labels"] = labels;
        obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
        obj["status"] = new JsonObject { ["phase"] = "Active" };
    }

    private string GenerateName(ResourceType type, string ns, string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        while (true)
        {
            var name = prefix + new string(Enumerable.Range(0, 5).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
            if (!_objects.ContainsKey(new StoreKey(type.GroupVersion, type.Resource, type.Namespaced ? ns : "", name)))
            {
                return name;
            }
        }
    }

    internal static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }

        return metadata;
    }

    private static StoreKey NamespaceKey(string ns) => new("v1", "namespaces", "", ns);

    private string NextResourceVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    internal static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string NewUid() => Guid.NewGuid().ToString();

    /// <summary>Ordered like etcd keys: namespace, then name.</summary>
    private readonly record struct StoreKey(string GroupVersion, string Resource, string Namespace, string Name) : IComparable<StoreKey>
    {
        public int CompareTo(StoreKey other)
        {
            var result = string.CompareOrdinal(GroupVersion, other.GroupVersion);
            if (result == 0) result = string.CompareOrdinal(Resource, other.Resource);
            if (result == 0) result = string.CompareOrdinal(Namespace, other.Namespace);
            if (result == 0) result = string.CompareOrdinal(Name, other.Name);
            return result;
        }
    }
}

/// <summary>One change to the store, as a watch reports it. <see cref="Previous"/> is the object before the change.</summary>
internal sealed record StoreEvent(string Type, string GroupVersion, string Resource, JsonObject Object, JsonObject? Previous)
{
    public long ResourceVersion => long.Parse(Object["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
}

/// <summary>What a watch starts from: the objects at <see cref="ResourceVersion"/> or the changes to replay, then live changes.</summary>
internal sealed class StoreSubscription(
    IReadOnlyList<JsonObject> current,
    IReadOnlyList<StoreEvent> replay,
    long resourceVersion,
    ChannelReader<StoreEvent> changes,
    Action unsubscribe) : IDisposable
{
    public IReadOnlyList<JsonObject> Current { get; } = current;

    public IReadOnlyList<StoreEvent> Replay { get; } = replay;

    public long ResourceVersion { get; } = resourceVersion;

    public ChannelReader<StoreEvent> Changes { get; } = changes;

    public void Dispose() => unsubscribe();
}
