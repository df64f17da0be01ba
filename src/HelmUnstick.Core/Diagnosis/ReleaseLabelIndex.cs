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
/// On 30,000 release Secrets this index is most of serve's heap, so a Secret costs little more than its
/// resourceVersion: it is one small entry in its release's list, its status an enum, and the name Helm gives it
/// (<c>sh.helm.release.v1.RELEASE.vVERSION</c>) is not kept but made again from the release and version when needed.
/// Only a Secret named otherwise keeps its name, and is found through a map of those.
/// </remarks>
public sealed class ReleaseLabelIndex
{
    private Dictionary<ReleaseKey, ReleaseObjects> _byRelease = new();

    // The Secrets whose names are not Helm's name for their release and version; every other one is found by its name.
    private Dictionary<(string Namespace, string ObjectName), ReleaseObjects> _otherNames = new();

    /// <summary>Records an added or modified Secret; returns the releases whose revisions may have changed.</summary>
    public IReadOnlyList<ReleaseKey> Upsert(string ns, string objectName, IReadOnlyDictionary<string, string>? labels, string? resourceVersion = null)
    {
        var read = ReleaseObjectLabels.From(ns, objectName, labels);
        var key = new ReleaseKey(ns, read?.Release ?? objectName);
        var changed = new List<ReleaseKey>();
        if (Remove(ns, objectName) is [var before] && before != key)
        {
            changed.Add(before);
        }

        if (!_byRelease.TryGetValue(key, out var release))
        {
            _byRelease[key] = release = new ReleaseObjects(key);
        }

        ListedRevision listed;
        if (read is not null && read.TryGetStatus(out var status))
        {
            var helmsName = objectName == StoredRevision.ObjectNameFor(key.Release, read.Version);
            listed = new ListedRevision(helmsName ? null : objectName, read.Version, status, resourceVersion);
        }
        else
        {
            listed = new ListedRevision(objectName, 0, null, resourceVersion);
        }

        if (listed.Name is not null)
        {
            _otherNames[(ns, objectName)] = release;
        }

        release.Revisions.Add(listed);
        changed.Add(release.Key);
        return changed;
    }

    /// <summary>Forgets a deleted Secret; returns the release it belonged to, if it was known.</summary>
    public IReadOnlyList<ReleaseKey> Remove(string ns, string objectName)
    {
        if (Find(ns, objectName) is not var (release, at))
        {
            return [];
        }

        if (release.Revisions[at].Name is not null)
        {
            _otherNames.Remove((ns, objectName));
        }

        release.Revisions.RemoveAt(at);
        if (release.Revisions.Count == 0)
        {
            _byRelease.Remove(release.Key);
        }

        return [release.Key];
    }

    /// <summary>The resourceVersion the list or watch last reported for a Secret; null when unknown or gone.</summary>
    public string? ResourceVersionOf(string ns, string objectName) =>
        Find(ns, objectName) is var (release, at) ? release.Revisions[at].ResourceVersion : null;

    /// <summary>
    /// Takes over what <paramref name="fresh"/> holds (built from a fresh list, page by page, so that no page's labels
    /// outlive it); returns every release that was or is known. <paramref name="fresh"/> must not be used afterwards.
    /// </summary>
    public IReadOnlyList<ReleaseKey> ReplaceAll(ReleaseLabelIndex fresh)
    {
        var affected = new HashSet<ReleaseKey>(_byRelease.Keys);
        affected.UnionWith(fresh._byRelease.Keys);
        (_byRelease, _otherNames) = (fresh._byRelease, fresh._otherNames);
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
        ListedRevision? newest = null;
        List<string>? malformed = null;
        foreach (var listed in release.Revisions)
        {
            if (listed.Status is null)
            {
                (malformed ??= []).Add(listed.Name!);
            }
            else if (newest is not { } top || listed.Version > top.Version
                     || (listed.Version == top.Version && string.CompareOrdinal(NameOf(key, listed), NameOf(key, top)) > 0))
            {
                // ReleaseObjectLabels.ByRevision's order: by version, then by name.
                newest = listed;
            }
        }

        malformed?.Sort(StringComparer.Ordinal);
        var newestLabels = newest is { } n ? new ReleaseObjectLabels(key.Namespace, NameOf(key, n), key.Release, n.Version, n.Status!.Value.ToHelmName()) : null;
        return LabelTriage.Decide(key.Namespace, key.Release, newestLabels, (IReadOnlyList<string>?)malformed ?? []);
    }

    public IReadOnlyList<ReleaseKey> Candidates() => _byRelease.Keys.Where(k => PayloadsToRead(k) is not null).ToList();

    /// <summary>The release a Secret is listed under and its place in the release's list; null when unknown.</summary>
    private (ReleaseObjects Release, int At)? Find(string ns, string objectName)
    {
        if (_otherNames.TryGetValue((ns, objectName), out var named))
        {
            return (named, named.Revisions.FindIndex(r => r.Name == objectName));
        }

        // Helm's name: sh.helm.release.v1.RELEASE.vVERSION (a release name may hold dots, a version does not).
        var v = objectName.LastIndexOf(".v", StringComparison.Ordinal);
        if (!objectName.StartsWith(StoredRevision.ObjectNamePrefix, StringComparison.Ordinal) || v <= StoredRevision.ObjectNamePrefix.Length
            || !int.TryParse(objectName.AsSpan(v + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !_byRelease.TryGetValue(new ReleaseKey(ns, objectName[StoredRevision.ObjectNamePrefix.Length..v]), out var release))
        {
            return null;
        }

        var at = release.Revisions.FindIndex(r => r.Name is null && r.Version == version);
        return at >= 0 && objectName == StoredRevision.ObjectNameFor(release.Key.Release, version) ? (release, at) : null;
    }

    private static string NameOf(ReleaseKey key, ListedRevision listed) => listed.Name ?? StoredRevision.ObjectNameFor(key.Release, listed.Version);

    /// <summary>One release's Secrets; its key is the one copy of its namespace and name that they all share.</summary>
    private sealed class ReleaseObjects(ReleaseKey key)
    {
        public ReleaseKey Key { get; } = key;

        public List<ListedRevision> Revisions { get; } = [];
    }

    /// <param name="Name">The Secret's name; null when it is Helm's name for the release and <paramref name="Version"/>.</param>
    /// <param name="Status">Helm's status label when the labels decide the revision (a version of 1 or more and a status Helm writes), else null.</param>
    private readonly record struct ListedRevision(string? Name, int Version, ReleaseStatus? Status, string? ResourceVersion);
}
