using System.Globalization;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>A release storage object (Secret or ConfigMap) as its metadata describes it: Helm's <c>name</c>, <c>version</c> and <c>status</c> labels.</summary>
public sealed record ReleaseObjectLabels(string Namespace, string ObjectName, string Release, int Version, string? Status)
{
    /// <summary>Reads Helm's labels; null for a Secret that is not a Helm release revision.</summary>
    public static ReleaseObjectLabels? From(string ns, string objectName, IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || !labels.TryGetValue("name", out var release) || release.Length == 0)
        {
            return null;
        }

        var version = labels.TryGetValue("version", out var v) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new(ns, objectName, release, version, labels.GetValueOrDefault("status"));
    }

    /// <summary>Whether the labels decide this revision (a version of 1 or more and a status Helm writes), and its status.</summary>
    public bool TryGetStatus(out ReleaseStatus status)
    {
        status = default;
        return Version > 0 && ReleaseStatusNames.TryParse(Status, out status);
    }

    /// <summary>A release's revisions in Helm's order: by version number, then, for a repeated version, by Secret name.</summary>
    public static IComparer<ReleaseObjectLabels> ByRevision { get; } = Comparer<ReleaseObjectLabels>.Create((a, b) =>
        a.Version != b.Version ? a.Version.CompareTo(b.Version) : string.CompareOrdinal(a.ObjectName, b.ObjectName));
}

/// <summary>One release: its namespace and name.</summary>
public readonly record struct ReleaseKey(string Namespace, string Release)
{
    public override string ToString() => $"{Namespace}/{Release}";
}

/// <summary>
/// Every release Secret's labels and resourceVersion, kept up to date from a list and a watch, so that only a release
/// whose newest revision is labelled pending-* needs its payload read, and a payload read before is known to be
/// current while its resourceVersion is unchanged. The labels only nominate candidates: the payload decides.
/// As in <see cref="LabelTriage"/>, a release with a Secret whose labels are missing or malformed cannot be decided by
/// them, so its payloads are read; a Secret without a <c>name</c> label is a release of its own, under its Secret name.
/// </summary>
/// <remarks>
/// On 30,000 release Secrets this index is most of serve's heap, so each object is one entry of one map: its
/// release's namespace and name are shared with the release's other objects (one copy per release, not per object),
/// its status is an enum and its resourceVersion sits in the same entry.
/// </remarks>
public sealed class ReleaseLabelIndex
{
    private Dictionary<(string Namespace, string ObjectName), ListedRevision> _objects = new();
    private Dictionary<ReleaseKey, ReleaseObjects> _byRelease = new();

    /// <summary>Records an added or modified Secret; returns the releases whose revisions may have changed.</summary>
    public IReadOnlyList<ReleaseKey> Upsert(string ns, string objectName, IReadOnlyDictionary<string, string>? labels, string? resourceVersion = null)
    {
        var read = ReleaseObjectLabels.From(ns, objectName, labels);
        var key = new ReleaseKey(ns, read?.Release ?? objectName);
        var changed = new List<ReleaseKey>();
        if (_objects.TryGetValue((ns, objectName), out var before) && before.Release.Key != key)
        {
            changed.AddRange(Remove(ns, objectName));
        }

        if (!_byRelease.TryGetValue(key, out var release))
        {
            _byRelease[key] = release = new ReleaseObjects(key);
        }

        // The release's own copy of the namespace: the object's key does not hold one of its own.
        var objectKey = (release.Key.Namespace, objectName);
        if (!_objects.ContainsKey(objectKey))
        {
            release.Names.Add(objectName);
        }

        _objects[objectKey] = read is not null && read.TryGetStatus(out var status)
            ? new ListedRevision(release, read.Version, status, resourceVersion)
            : new ListedRevision(release, 0, null, resourceVersion);
        changed.Add(release.Key);
        return changed;
    }

    /// <summary>Forgets a deleted Secret; returns the release it belonged to, if it was known.</summary>
    public IReadOnlyList<ReleaseKey> Remove(string ns, string objectName)
    {
        if (!_objects.Remove((ns, objectName), out var gone))
        {
            return [];
        }

        var release = gone.Release;
        release.Names.Remove(objectName);
        if (release.Names.Count == 0)
        {
            _byRelease.Remove(release.Key);
        }

        return [release.Key];
    }

    /// <summary>The resourceVersion the list or watch last reported for a Secret; null when unknown or gone.</summary>
    public string? ResourceVersionOf(string ns, string objectName) => _objects.GetValueOrDefault((ns, objectName)).ResourceVersion;

    /// <summary>
    /// Takes over what <paramref name="fresh"/> holds (built from a fresh list, page by page, so that no page's labels
    /// outlive it); returns every release that was or is known. <paramref name="fresh"/> must not be used afterwards.
    /// </summary>
    public IReadOnlyList<ReleaseKey> ReplaceAll(ReleaseLabelIndex fresh)
    {
        var affected = new HashSet<ReleaseKey>(_byRelease.Keys);
        affected.UnionWith(fresh._byRelease.Keys);
        (_objects, _byRelease) = (fresh._objects, fresh._byRelease);
        return affected.ToList();
    }

    /// <summary>
    /// The Secrets whose payloads decide the release, by scan's rule (<see cref="LabelTriage.Decide"/>), with the
    /// malformed ones in name order; null when the labels rule it out.
    /// </summary>
    public PayloadsToRead? PayloadsToRead(ReleaseKey key)
    {
        if (!_byRelease.TryGetValue(key, out var release))
        {
            return null;
        }

        // A resync asks this of every release: only the newest revision's labels are made into an object.
        (string Name, ListedRevision Listed)? newest = null;
        List<string>? malformed = null;
        foreach (var name in release.Names)
        {
            var listed = _objects[(key.Namespace, name)];
            if (listed.Status is null)
            {
                (malformed ??= []).Add(name);
            }
            else if (newest is not { } n || listed.Version > n.Listed.Version || (listed.Version == n.Listed.Version && string.CompareOrdinal(name, n.Name) > 0))
            {
                // ReleaseObjectLabels.ByRevision's order: by version, then by name.
                newest = (name, listed);
            }
        }

        malformed?.Sort(StringComparer.Ordinal);
        var newestLabels = newest is { } top ? new ReleaseObjectLabels(key.Namespace, top.Name, key.Release, top.Listed.Version, top.Listed.Status!.Value.ToHelmName()) : null;
        return LabelTriage.Decide(key.Namespace, key.Release, newestLabels, (IReadOnlyList<string>?)malformed ?? []);
    }

    public IReadOnlyList<ReleaseKey> Candidates() => _byRelease.Keys.Where(k => PayloadsToRead(k) is not null).ToList();

    /// <summary>One release's Secrets, by name; its key is the one copy of its namespace and name that they all share.</summary>
    private sealed class ReleaseObjects(ReleaseKey key)
    {
        public ReleaseKey Key { get; } = key;

        public List<string> Names { get; } = [];
    }

    /// <param name="Status">Helm's status label when the labels decide the revision (a version of 1 or more and a status Helm writes), else null.</param>
    private readonly record struct ListedRevision(ReleaseObjects Release, int Version, ReleaseStatus? Status, string? ResourceVersion);
}
