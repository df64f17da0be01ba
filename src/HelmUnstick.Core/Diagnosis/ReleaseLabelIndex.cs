using System.Globalization;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>A release Secret as its metadata describes it: Helm's <c>name</c>, <c>version</c> and <c>status</c> labels.</summary>
public sealed record ReleaseSecretLabels(string Namespace, string SecretName, string Release, int Version, string? Status)
{
    /// <summary>Reads Helm's labels; null for a Secret that is not a Helm release revision.</summary>
    public static ReleaseSecretLabels? From(string ns, string secretName, IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || !labels.TryGetValue("name", out var release) || release.Length == 0)
        {
            return null;
        }

        var version = labels.TryGetValue("version", out var v) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new(ns, secretName, release, version, labels.GetValueOrDefault("status"));
    }

    /// <summary>A release's revisions in Helm's order: by version number, then, for a repeated version, by Secret name.</summary>
    public static IComparer<ReleaseSecretLabels> ByRevision { get; } = Comparer<ReleaseSecretLabels>.Create((a, b) =>
        a.Version != b.Version ? a.Version.CompareTo(b.Version) : string.CompareOrdinal(a.SecretName, b.SecretName));
}

/// <summary>One release: its namespace and name.</summary>
public readonly record struct ReleaseKey(string Namespace, string Release)
{
    public override string ToString() => $"{Namespace}/{Release}";
}

/// <summary>
/// Every release Secret's labels, kept up to date from a list and a watch, so that only a release whose newest
/// revision is labelled pending-* needs its payload read. The labels only nominate candidates: the payload decides.
/// </summary>
public sealed class ReleaseLabelIndex
{
    private readonly Dictionary<(string Namespace, string SecretName), ReleaseSecretLabels> _secrets = new();
    private readonly Dictionary<ReleaseKey, HashSet<string>> _byRelease = new();

    /// <summary>Records an added or modified Secret; returns the releases whose newest revision may have changed.</summary>
    public IReadOnlyList<ReleaseKey> Upsert(ReleaseSecretLabels secret)
    {
        var changed = new List<ReleaseKey>();
        if (_secrets.TryGetValue((secret.Namespace, secret.SecretName), out var before) && before.Release != secret.Release)
        {
            changed.AddRange(Remove(secret.Namespace, secret.SecretName));
        }

        _secrets[(secret.Namespace, secret.SecretName)] = secret;
        var key = new ReleaseKey(secret.Namespace, secret.Release);
        if (!_byRelease.TryGetValue(key, out var names))
        {
            _byRelease[key] = names = new HashSet<string>(StringComparer.Ordinal);
        }

        names.Add(secret.SecretName);
        changed.Add(key);
        return changed;
    }

    /// <summary>Forgets a deleted Secret; returns the release it belonged to, if it was known.</summary>
    public IReadOnlyList<ReleaseKey> Remove(string ns, string secretName)
    {
        if (!_secrets.Remove((ns, secretName), out var gone))
        {
            return [];
        }

        var key = new ReleaseKey(gone.Namespace, gone.Release);
        if (_byRelease.TryGetValue(key, out var names) && names.Remove(secretName) && names.Count == 0)
        {
            _byRelease.Remove(key);
        }

        return [key];
    }

    /// <summary>Replaces everything with a fresh list; returns every release that was or is known.</summary>
    public IReadOnlyList<ReleaseKey> ReplaceAll(IEnumerable<ReleaseSecretLabels> secrets)
    {
        var affected = new HashSet<ReleaseKey>(_byRelease.Keys);
        _secrets.Clear();
        _byRelease.Clear();
        foreach (var secret in secrets)
        {
            affected.UnionWith(Upsert(secret));
        }

        return affected.ToList();
    }

    /// <summary>The release's newest revision by its version label, or null when it has none left.</summary>
    public ReleaseSecretLabels? Newest(ReleaseKey key) =>
        _byRelease.TryGetValue(key, out var names)
            ? names.Select(n => _secrets[(key.Namespace, n)]).Max(ReleaseSecretLabels.ByRevision)
            : null;

    /// <summary>
    /// Whether the release's payload is worth reading: its newest revision is labelled pending-*, or its label is
    /// missing or unknown (the labels cannot rule it out).
    /// </summary>
    public bool IsCandidate(ReleaseKey key) =>
        Newest(key) is { } newest && (!ReleaseStatusNames.TryParse(newest.Status, out var status) || status.IsPending());

    public IReadOnlyList<ReleaseKey> Candidates() => _byRelease.Keys.Where(IsCandidate).ToList();
}
