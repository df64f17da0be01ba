using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>
/// Decides from release Secrets' labels alone (a metadata-only list) which payloads a scan must decode. Helm writes
/// <c>name</c>, <c>status</c> and <c>version</c> on every release Secret, so the newest revision and its status are
/// known before any payload is read: only releases whose newest revision is labelled pending-* are candidates.
/// A release with a Secret whose labels are missing or malformed cannot be decided that way, so its payloads are read.
/// </summary>
public sealed class LabelTriage
{
    private readonly Dictionary<(string Namespace, string Release), ReleaseLabels> _releases = new();

    /// <summary>How many releases the Secrets added so far belong to.</summary>
    public int Releases => _releases.Count;

    /// <summary>Adds one release Secret as the metadata list shows it; keeps only what the decision needs.</summary>
    public void Add(string ns, string secretName, IReadOnlyDictionary<string, string>? labels)
    {
        var secret = ReleaseSecretLabels.From(ns, secretName, labels);

        // A Secret without a name label is a release of its own until its payload says which one it belongs to.
        var key = (ns, secret?.Release ?? secretName);
        if (!_releases.TryGetValue(key, out var entry))
        {
            entry = new ReleaseLabels();
            _releases[key] = entry;
        }

        if (secret is null || !secret.TryGetStatus(out var status))
        {
            entry.Malformed.Add(secretName);
        }
        else if (entry.Newest is not { } newest || ReleaseSecretLabels.ByRevision.Compare(secret, newest.Labels) > 0)
        {
            entry.Newest = (secret, status);
        }
    }

    /// <summary>
    /// The releases whose payloads must be decoded, in namespace and release order, each with the Secrets to read:
    /// the newest revision when its label says pending-* (or every release's newest with <paramref name="verifyPayloads"/>),
    /// and every Secret with missing or malformed labels together with its release's newest well-labelled one.
    /// </summary>
    public IReadOnlyList<PayloadsToRead> PayloadsToRead(bool verifyPayloads)
    {
        var reads = new List<PayloadsToRead>();
        foreach (var ((ns, release), entry) in _releases
                     .OrderBy(r => r.Key.Namespace, StringComparer.Ordinal).ThenBy(r => r.Key.Release, StringComparer.Ordinal))
        {
            var newest = entry.Newest is { } n ? new[] { n.Labels.SecretName } : [];
            if (entry.Malformed.Count > 0)
            {
                reads.Add(new PayloadsToRead(ns, release, [.. entry.Malformed, .. newest], PayloadReadReason.MalformedLabels));
            }
            else if (entry.Newest is { } labelled && (verifyPayloads || labelled.Status.IsPending()))
            {
                reads.Add(new PayloadsToRead(ns, release, newest,
                    labelled.Status.IsPending() ? PayloadReadReason.PendingByLabels : PayloadReadReason.Verification));
            }
        }

        return reads;
    }

    private sealed class ReleaseLabels
    {
        public (ReleaseSecretLabels Labels, ReleaseStatus Status)? Newest { get; set; }

        public List<string> Malformed { get; } = [];
    }
}

/// <summary>Why a release's payloads are decoded.</summary>
public enum PayloadReadReason
{
    /// <summary>Its newest revision is labelled pending-*: a candidate.</summary>
    PendingByLabels,

    /// <summary>A Secret's name, version or status label is missing or not one Helm writes.</summary>
    MalformedLabels,

    /// <summary>The labels say settled; the payload is read only to check them.</summary>
    Verification,
}

/// <summary>The Secrets of one release whose payloads decide it.</summary>
public sealed record PayloadsToRead(string Namespace, string Release, IReadOnlyList<string> SecretNames, PayloadReadReason Reason);
