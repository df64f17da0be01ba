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
/// Every release Secret's labels, kept up to date from a list and a watch, so that only a release whose newest
/// revision is labelled pending-* needs its payload read. The labels only nominate candidates: the payload decides.
/// As in <see cref="LabelTriage"/>, a release with a Secret whose labels are missing or malformed cannot be decided by
/// them, so its payloads are read; a Secret without a <c>name</c> label is a release of its own, under its Secret name.
/// </summary>
public sealed class ReleaseLabelIndex
{
    private Dictionary<(string Namespace, string ObjectName), ListedRevision> _objects = new();
    private Dictionary<ReleaseKey, HashSet<string>> _byRelease = new();

    /// <summary>Records an added or modified Secret; returns the releases whose revisions may have changed.</summary>
    public IReadOnlyList<ReleaseKey> Upsert(string ns, string objectName, IReadOnlyDictionary<string, string>? labels)
    {
        var read = ReleaseObjectLabels.From(ns, objectName, labels);
        var key = new ReleaseKey(ns, read?.Release ?? objectName);
        var changed = new List<ReleaseKey>();
        if (_objects.TryGetValue((ns, objectName), out var before) && before.Release != key)
        {
            changed.AddRange(Remove(ns, objectName));
        }

        _objects[(ns, objectName)] = new ListedRevision(key, read is not null && read.TryGetStatus(out _) ? read : null);
        if (!_byRelease.TryGetValue(key, out var names))
        {
            _byRelease[key] = names = new HashSet<string>(StringComparer.Ordinal);
        }

        names.Add(objectName);
        changed.Add(key);
        return changed;
    }

    /// <summary>Forgets a deleted Secret; returns the release it belonged to, if it was known.</summary>
    public IReadOnlyList<ReleaseKey> Remove(string ns, string objectName)
    {
        if (!_objects.Remove((ns, objectName), out var gone))
        {
            return [];
        }

        if (_byRelease.TryGetValue(gone.Release, out var names) && names.Remove(objectName) && names.Count == 0)
        {
            _byRelease.Remove(gone.Release);
        }

        return [gone.Release];
    }

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
        if (!_byRelease.TryGetValue(key, out var names))
        {
            return null;
        }

        var listed = names.Select(n => (Name: n, _objects[(key.Namespace, n)].Labels)).ToList();
        // Max of no elements is null (a reference type).
        var newest = listed.Where(l => l.Labels is not null).Select(l => l.Labels!).Max(ReleaseObjectLabels.ByRevision);
        var malformed = listed.Where(l => l.Labels is null).Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
        return LabelTriage.Decide(key.Namespace, key.Release, newest, malformed);
    }

    public IReadOnlyList<ReleaseKey> Candidates() => _byRelease.Keys.Where(k => PayloadsToRead(k) is not null).ToList();

    /// <param name="Labels">Helm's labels when they decide the revision (a version and a status Helm writes), else null.</param>
    private sealed record ListedRevision(ReleaseKey Release, ReleaseObjectLabels? Labels);
}
