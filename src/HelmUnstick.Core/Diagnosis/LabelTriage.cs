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
    public void Add(string ns, string objectName, IReadOnlyDictionary<string, string>? labels)
    {
        var secret = ReleaseObjectLabels.From(ns, objectName, labels);

        // A Secret without a name label is a release of its own until its payload says which one it belongs to.
        var key = (ns, secret?.Release ?? objectName);
        if (!_releases.TryGetValue(key, out var entry))
        {
            entry = new ReleaseLabels();
            _releases[key] = entry;
        }

        if (secret is null || !secret.TryGetStatus(out _))
        {
            entry.Malformed.Add(objectName);
        }
        else if (entry.Newest is not { } newest || ReleaseObjectLabels.ByRevision.Compare(secret, newest) > 0)
        {
            entry.Newest = secret;
        }
    }

    /// <summary>
    /// The releases whose payloads must be decoded, in namespace and release order, each with the Secrets to read
    /// (see <see cref="Decide"/>; with <paramref name="verifyPayloads"/>, every release's newest too).
    /// </summary>
    public IReadOnlyList<PayloadsToRead> PayloadsToRead(bool verifyPayloads) =>
        _releases
            .OrderBy(r => r.Key.Namespace, StringComparer.Ordinal).ThenBy(r => r.Key.Release, StringComparer.Ordinal)
            .Select(r => Decide(r.Key.Namespace, r.Key.Release, r.Value.Newest, r.Value.Malformed, verifyPayloads))
            .OfType<PayloadsToRead>()
            .ToList();

    /// <summary>
    /// The rule scan and serve share. A release with Secrets whose labels are missing or malformed is read: those
    /// Secrets and the newest well-labelled one. Otherwise only a newest revision labelled pending-* is read (or, to
    /// verify the labels, any newest). Null when the labels rule the release out.
    /// </summary>
    /// <param name="newest">The newest revision with well-formed labels, if any.</param>
    internal static PayloadsToRead? Decide(
        string ns, string release, ReleaseObjectLabels? newest, IReadOnlyList<string> malformed, bool verifyPayloads = false)
    {
        string[] newestName = newest is null ? [] : [newest.ObjectName];
        if (malformed.Count > 0)
        {
            return new PayloadsToRead(ns, release, [.. malformed, .. newestName], PayloadReadReason.MalformedLabels);
        }

        if (newest is null || !newest.TryGetStatus(out var status))
        {
            return null;
        }

        return status.IsPending() ? new PayloadsToRead(ns, release, newestName, PayloadReadReason.PendingByLabels)
            : verifyPayloads ? new PayloadsToRead(ns, release, newestName, PayloadReadReason.Verification)
            : null;
    }

    private sealed class ReleaseLabels
    {
        /// <summary>The newest revision with well-formed labels.</summary>
        public ReleaseObjectLabels? Newest { get; set; }

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
public sealed record PayloadsToRead(string Namespace, string Release, IReadOnlyList<string> ObjectNames, PayloadReadReason Reason);
