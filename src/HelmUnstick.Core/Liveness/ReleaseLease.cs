using System.Security.Cryptography;
using System.Text;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Core.Liveness;

/// <summary>
/// The coordination.k8s.io/v1 Lease that <c>run</c> holds for a release while its deploy runs, as read from the
/// cluster. A released lease keeps the object with <see cref="HolderIdentity"/> cleared.
/// </summary>
/// <param name="HeldBy">The holder recorded in the Lease's annotations: who held it, also after it was released.</param>
/// <param name="CiJobUrl">The CI job that held it, when the holder's environment named one.</param>
/// <param name="CiProjectId">That job's GitLab project id or GitHub owner/repository, when known.</param>
/// <param name="CiJobId">That job's GitLab job id or GitHub run id, when known.</param>
public sealed record ReleaseLease(
    string Namespace,
    string Name,
    string? HolderIdentity,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    int DurationSeconds,
    string? HeldBy = null,
    string? CiJobUrl = null,
    string? Command = null,
    DateTimeOffset? EndedAt = null,
    string? CiProjectId = null,
    string? CiJobId = null)
{
    /// <summary>The CI job that held the Lease, as its holder's environment named it; null when it named none.</summary>
    public CiJobReference? CiJob => CiJobUrl is { } url ? new(url, CiProjectId, CiJobId) : null;

    public TimeSpan Duration => TimeSpan.FromSeconds(DurationSeconds);

    /// <summary>When the holder's term runs out unless renewed again; null when it was never renewed.</summary>
    public DateTimeOffset? ExpiresAt => RenewTime is { } renewed ? renewed + Duration : null;

    /// <summary>When the holder's term ended: its release, else the end of its last renewal.</summary>
    public DateTimeOffset? TermEnd => EndedAt ?? ExpiresAt;

    /// <summary>Held by someone whose last renewal is still within its duration.</summary>
    public bool IsHeldAt(DateTimeOffset now) => !string.IsNullOrEmpty(HolderIdentity) && ExpiresAt is { } expires && now <= expires;
}

/// <summary>What a release's Lease says about the pending revision.</summary>
public enum LeaseStanding
{
    /// <summary>No Lease, or one whose term began after the pending revision was written: the other signs decide.</summary>
    NoEvidence,

    /// <summary>A holder renewed within its duration: a deploy may be at work, whatever the other signs.</summary>
    HolderLive,

    /// <summary>Released or expired, and its term covers the pending revision: the only holder is gone.</summary>
    HolderGone,
}

/// <summary>The Lease rules: its name for a release, and what it proves about a pending revision. Time is passed in.</summary>
public static class LeaseRule
{
    /// <summary>How far apart the holder's clock and the API server's (which stamps last_deployed via helm's host) may be.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private const string Prefix = "helm-unstick.";
    private const int MaxNameLength = 63;

    /// <summary>
    /// <c>helm-unstick.RELEASE</c>; when that is longer than 63 characters, the release's first 52 characters, a dash
    /// and the first 10 hex characters of the SHA-256 of the release name.
    /// </summary>
    public static string NameFor(string release)
    {
        var name = Prefix + release;
        if (name.Length <= MaxNameLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(release)))[..10];
        return $"{release[..52]}-{hash}";
    }

    /// <summary>
    /// A live holder makes a deploy possible; a gone holder whose term covers the pending revision's
    /// <c>info.last_deployed</c> (began at or before it, ended at or after it, <see cref="ClockSkew"/> allowed
    /// either way) wrote that revision and is gone. A lease taken after the revision was written, or released
    /// before it (a plain helm wrote it later), proves nothing about it.
    /// </summary>
    public static LeaseStanding Judge(ReleaseLease? lease, DateTimeOffset? lastDeployed, DateTimeOffset now)
    {
        if (lease is null)
        {
            return LeaseStanding.NoEvidence;
        }

        if (lease.IsHeldAt(now))
        {
            return LeaseStanding.HolderLive;
        }

        return lease.AcquireTime is { } acquired && lease.TermEnd is { } ended && lastDeployed is { } deployed
               && acquired <= deployed + ClockSkew && deployed <= ended + ClockSkew
            ? LeaseStanding.HolderGone
            : LeaseStanding.NoEvidence;
    }

    /// <summary>
    /// What the Lease proves about a pending revision written at <paramref name="lastDeployed"/>, as a finding that
    /// decides the verdict: a live holder (possibly-running) or a gone one (stale); null when it proves nothing.
    /// </summary>
    public static LivenessFinding? Finding(ReleaseLease? lease, DateTimeOffset? lastDeployed, DateTimeOffset now) =>
        Judge(lease, lastDeployed, now) switch
        {
            LeaseStanding.HolderLive => Of(LivenessVerdict.PossiblyRunning, LivenessSignal.LeaseHeld, lease!),
            LeaseStanding.HolderGone => Of(LivenessVerdict.Stale, LivenessSignal.LeaseHolderGone, lease!),
            _ => null,
        };

    private static LivenessFinding Of(LivenessVerdict counts, LivenessSignal signal, ReleaseLease lease) =>
        new(counts, signal, new ResourceKey("Lease", lease.Namespace, lease.Name), PendingObjectRole.Manifest, LastWrite: lease.RenewTime, Lease: lease);
}
