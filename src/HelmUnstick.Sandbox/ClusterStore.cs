using System.Security.Cryptography;
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
    private readonly TimeProvider _clock;
    private readonly LinkedList<StoredEvent> _history = new();
    private readonly List<Channel<StoredEvent>> _watchers = [];
    private long _resourceVersion = 1000;

    /// <summary>
    /// Snapshots taken at <see cref="_snapshotVersion"/>: a paged list asks for the same one on every page, and
    /// collecting it from every stored object costs milliseconds on a fleet of tens of thousands.
    /// </summary>
    private readonly Dictionary<(string GroupVersion, string Resource, string? Namespace), List<JsonObject>> _snapshots = [];
    private long _snapshotVersion;

    /// <summary>
    /// How many past changes a watch from an older resourceVersion can be replayed from; older ones answer 410
    /// Gone and the client lists again. Kept small because release Secrets can be large.
    /// </summary>
    private const int HistoryLength = 512;

    public ClusterStore()
        : this(TimeProvider.System)
    {
    }

    internal ClusterStore(TimeProvider clock)
    {
        _clock = clock;
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
            var key = new StoreKey(groupVersion, resource, ns, name);
            var existed = _objects.ContainsKey(key);
            Store(key, stored, existed ? "MODIFIED" : "ADDED");
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Removes the object; false when it did not exist. Deleting a namespace removes its contents.</summary>
    public bool Delete(string groupVersion, string resource, string? ns, string name)
    {
        lock (_gate)
        {
            var key = new StoreKey(groupVersion, resource, ns ?? "", name);
            if (!_objects.TryGetValue(key, out var current))
            {
                return false;
            }

            Remove(key, current);
            return true;
        }
    }

    /// <summary>
    /// The stored objects themselves, in key order, without copying: stored objects are never changed in place
    /// (every write stores a new object), so a list can select its page and copy only that. Callers must not
    /// modify them.
    /// </summary>
    internal (IReadOnlyList<JsonObject> Items, long ResourceVersion) Snapshot(string groupVersion, string resource, string? ns)
    {
        lock (_gate)
        {
            if (_snapshotVersion != _resourceVersion)
            {
                _snapshots.Clear();
                _snapshotVersion = _resourceVersion;
            }

            if (!_snapshots.TryGetValue((groupVersion, resource, ns), out var items))
            {
                items = _objects
                    .Where(entry => entry.Key.GroupVersion == groupVersion && entry.Key.Resource == resource
                        && (ns is null || entry.Key.Namespace == ns))
                    .Select(entry => entry.Value)
                    .ToList();
                _snapshots[(groupVersion, resource, ns)] = items;
            }

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
            Store(key, (JsonObject)obj.DeepClone(), "ADDED");
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
            Store(key, (JsonObject)obj.DeepClone(), "MODIFIED");
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

            Remove(key, current);
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

    internal static bool HasStatusSubresource(ResourceType type) =>
        type.Group is "apps" or "autoscaling" or "batch" or ResourceCatalog.CustomResourceGroup
        || type.Resource is "pods" or "namespaces" or "services" or "persistentvolumeclaims";

    private static void CheckNamespaceMatches(ResourceType type, string ns, JsonObject metadata)
    {
        var bodyNamespace = metadata["namespace"]?.GetValue<string>() ?? "";
        if (type.Namespaced && bodyNamespace.Length > 0 && bodyNamespace != ns)
        {
            throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private void RemoveNamespaceContents(StoreKey deleted)
    {
        if (deleted.GroupVersion != "v1" || deleted.Resource != "namespaces")
        {
            return;
        }

        foreach (var (key, obj) in _objects.Where(entry => entry.Key.Namespace == deleted.Name).ToList())
        {
            Remove(key, obj);
        }
    }

    /// <summary>Stores the object (resourceVersion already set) and tells the watchers; then rolls out a Deployment.</summary>
    private void Store(StoreKey key, JsonObject obj, string eventType)
    {
        _objects.TryGetValue(key, out var previous);
        _objects[key] = obj;
        Publish(new StoredEvent(eventType, key.GroupVersion, key.Resource, key.Namespace, obj,
            long.Parse(Metadata(obj)["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture), previous));
        if (key.GroupVersion == "apps/v1" && key.Resource == "deployments")
        {
            RollOutReplicaSet(key, obj);
        }
    }

    /// <summary>Removes the object, then what it owns: a namespace's contents, a Deployment's ReplicaSets.</summary>
    private void Remove(StoreKey key, JsonObject obj)
    {
        if (!_objects.Remove(key))
        {
            // Already removed with its owner.
            return;
        }

        var gone = (JsonObject)obj.DeepClone();
        var version = ++_resourceVersion;
        Metadata(gone)["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        Publish(new StoredEvent("DELETED", key.GroupVersion, key.Resource, key.Namespace, gone, version, obj));
        RemoveNamespaceContents(key);
        if (key.GroupVersion == "apps/v1" && key.Resource == "deployments")
        {
            foreach (var (rsKey, rs) in OwnedReplicaSets(key.Namespace, Metadata(obj)["uid"]?.GetValue<string>()))
            {
                Remove(rsKey, rs);
            }
        }
    }

    private void Publish(StoredEvent change)
    {
        _history.AddLast(change);
        if (_history.Count > HistoryLength)
        {
            _history.RemoveFirst();
        }

        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(change);
        }
    }

    /// <summary>
    /// Starts a watch of one resource: the current objects and the resourceVersion they were read at, the changes
    /// since <paramref name="sinceVersion"/> still in the history (when given), and every later change. Taken under
    /// one lock, so nothing falls between the snapshot and the feed. Dispose the result to stop the feed.
    /// </summary>
    internal WatchFeed Watch(string groupVersion, string resource, string? ns, long? sinceVersion)
    {
        var channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            var (items, version) = Snapshot(groupVersion, resource, ns);
            var replay = sinceVersion is { } since
                ? _history.Where(change => change.ResourceVersion > since).ToList()
                : [];
            var expired = sinceVersion is { } from && from < version && _history.First is { } oldest && oldest.Value.ResourceVersion > from + 1;
            _watchers.Add(channel);
            return new WatchFeed(items, version, replay, expired, channel.Reader, () =>
            {
                lock (_gate)
                {
                    _watchers.Remove(channel);
                }
            });
        }
    }

    /// <summary>
    /// Stands in for the deployment controller's ReplicaSets (Helm 3's --wait reads the newest one): one
    /// ReplicaSet per pod template, owned by the Deployment, carrying its replica counts; older ones are
    /// scaled to zero.
    /// </summary>
    private void RollOutReplicaSet(StoreKey deploymentKey, JsonObject deployment)
    {
        var metadata = Metadata(deployment);
        var uid = metadata["uid"]!.GetValue<string>();
        var template = deployment["spec"]?["template"]?.DeepClone() as JsonObject ?? new JsonObject();
        var hash = PodTemplateHash(template);
        var name = $"{deploymentKey.Name}-{hash}";
        var owned = OwnedReplicaSets(deploymentKey.Namespace, uid);
        var revisions = owned.Select(entry => long.TryParse(
            entry.Value["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0L);
        var current = owned.FirstOrDefault(entry => entry.Key.Name == name).Value;
        var revision = current?["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>()
            ?? (revisions.DefaultIfEmpty(0L).Max() + 1).ToString(CultureInfo.InvariantCulture);
        var status = deployment["status"] as JsonObject;
        long Count(JsonObject? from, string field) => from?[field] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0L;
        var replicas = deployment["spec"]?["replicas"] is JsonValue r && r.TryGetValue<long>(out var desired) ? desired : 1L;

        foreach (var (key, old) in owned.Where(entry => entry.Key.Name != name))
        {
            if (Count(old["spec"] as JsonObject, "replicas") != 0)
            {
                var scaledDown = (JsonObject)old.DeepClone();
                scaledDown["spec"]!["replicas"] = 0L;
                scaledDown["status"] = ReplicaSetStatus(0, 0, Count(old["metadata"] as JsonObject, "generation") + 1);
                Metadata(scaledDown)["generation"] = Count(old["metadata"] as JsonObject, "generation") + 1;
                Metadata(scaledDown)["resourceVersion"] = NextResourceVersion();
                Store(key, scaledDown, "MODIFIED");
            }
        }

        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels[PodTemplateHashLabel] = hash;
        var templateMetadata = template["metadata"] as JsonObject ?? new JsonObject();
        templateMetadata["labels"] = labels.DeepClone();
        template["metadata"] = templateMetadata;
        var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject ?? new JsonObject();
        var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
        matchLabels[PodTemplateHashLabel] = hash;
        selector["matchLabels"] = matchLabels;
        var generation = current is null ? 1L : Count(current["metadata"] as JsonObject, "generation");
        var spec = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = template };
        if (current is not null && !JsonNode.DeepEquals(current["spec"], spec))
        {
            generation++;
        }

        var replicaSet = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = deploymentKey.Namespace,
                ["uid"] = current?["metadata"]?["uid"]?.DeepClone() ?? NewUid(),
                ["creationTimestamp"] = current?["metadata"]?["creationTimestamp"]?.DeepClone() ?? Now(),
                ["generation"] = generation,
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/max-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                    [RevisionAnnotation] = revision,
                },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "Deployment",
                    ["name"] = deploymentKey.Name,
                    ["uid"] = uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
            ["status"] = ReplicaSetStatus(Count(status, "replicas"), Count(status, "availableReplicas"), generation),
        };
        if (current is not null)
        {
            Metadata(replicaSet)["resourceVersion"] = current["metadata"]?["resourceVersion"]?.DeepClone();
            if (JsonNode.DeepEquals(current, replicaSet))
            {
                return;
            }
        }

        Metadata(replicaSet)["resourceVersion"] = NextResourceVersion();
        Store(new StoreKey("apps/v1", "replicasets", deploymentKey.Namespace, name), replicaSet, current is null ? "ADDED" : "MODIFIED");
    }

    private static JsonObject ReplicaSetStatus(long replicas, long ready, long observedGeneration) => new()
    {
        ["replicas"] = replicas,
        ["fullyLabeledReplicas"] = replicas,
        ["readyReplicas"] = ready,
        ["availableReplicas"] = ready,
        ["observedGeneration"] = observedGeneration,
    };

    private List<KeyValuePair<StoreKey, JsonObject>> OwnedReplicaSets(string ns, string? ownerUid) =>
        _objects.Where(entry => entry.Key.GroupVersion == "apps/v1" && entry.Key.Resource == "replicasets" && entry.Key.Namespace == ns
                && entry.Value["metadata"]?["ownerReferences"] is JsonArray owners
                && owners.Any(owner => owner?["uid"]?.GetValue<string>() == ownerUid))
            .ToList();

    /// <summary>A stable, name-safe digest of the pod template, as the deployment controller's pod-template-hash.</summary>
    private static string PodTemplateHash(JsonObject template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(template.ToJsonString()));
        return new string(digest.Take(10).Select(b => alphabet[b % alphabet.Length]).ToArray());
    }

    private const string PodTemplateHashLabel = "pod-template-hash";

    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

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
        Store(key, obj, "ADDED");
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

    internal DateTimeOffset UtcNow => _clock.GetUtcNow();

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

    private string Now() => _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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

/// <summary>
/// One change to a stored object, as a watch reports it; <see cref="Previous"/> is the object before the change
/// (null when added). Both are shared: never modify them.
/// </summary>
internal sealed record StoredEvent(
    string Type, string GroupVersion, string Resource, string Namespace, JsonObject Object, long ResourceVersion, JsonObject? Previous);

/// <summary>What a watch starts from and the live feed of changes after it (see <see cref="ClusterStore.Watch"/>).</summary>
internal sealed class WatchFeed(
    IReadOnlyList<JsonObject> items,
    long resourceVersion,
    IReadOnlyList<StoredEvent> replay,
    bool expired,
    ChannelReader<StoredEvent> changes,
    Action stop) : IDisposable
{
    /// <summary>The stored objects themselves (see <see cref="ClusterStore.Snapshot"/>): never modify them.</summary>
    public IReadOnlyList<JsonObject> Items => items;

    public long ResourceVersion => resourceVersion;

    public IReadOnlyList<StoredEvent> Replay => replay;

    /// <summary>The requested resourceVersion is older than the history kept: the apiserver answers 410 Gone.</summary>
    public bool Expired => expired;

    public ChannelReader<StoredEvent> Changes => changes;

    public void Dispose() => stop();
}
