using System.Text.Json.Nodes;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Core.Liveness;

/// <summary>What an object of the pending revision is to Helm: part of the release, or a hook it runs and waits on.</summary>
public enum PendingObjectRole
{
    Manifest,
    Hook,
}

/// <summary>How reading one object of the pending revision from the cluster went.</summary>
public enum ObservationOutcome
{
    Found,

    /// <summary>It does not exist (helm was killed before creating it, or a hook was deleted): no sign by itself.</summary>
    Missing,

    /// <summary>It could not be read (forbidden, kind not served, API error): the reason says which.</summary>
    Unreadable,
}

/// <summary>One object of the pending revision as read from the cluster.</summary>
public sealed record ObservedObject(
    ResourceKey Key,
    PendingObjectRole Role,
    ObservationOutcome Outcome,
    JsonObject? Live = null,
    string? Reason = null)
{
    public static ObservedObject Found(ResourceKey key, PendingObjectRole role, JsonObject live) => new(key, role, ObservationOutcome.Found, live);

    public static ObservedObject Missing(ResourceKey key, PendingObjectRole role) => new(key, role, ObservationOutcome.Missing);

    public static ObservedObject Unreadable(ResourceKey key, PendingObjectRole role, string reason) =>
        new(key, role, ObservationOutcome.Unreadable, Reason: reason);
}

/// <summary>
/// Everything the liveness verdict is computed from. <paramref name="ReleaseStorageWrites"/> are the times the
/// pending revision's release Secret (or ConfigMap) was written: its creationTimestamp and managedFields times.
/// A <paramref name="StaleAfter"/> of zero turns the recent-write sign off. <paramref name="Lease"/> is the
/// release's Lease held by <c>run</c>, when there is one.
/// </summary>
public sealed record LivenessFacts(
    ResourceKey StorageObject,
    DateTimeOffset? LastDeployed,
    int HookCount,
    IReadOnlyList<DateTimeOffset> ReleaseStorageWrites,
    IReadOnlyList<ObservedObject> Objects,
    DateTimeOffset Now,
    TimeSpan StaleAfter,
    TimeSpan HelmTimeout,
    ReleaseLease? Lease = null)
{
    public HelmWaitWindow Window => new(LastDeployed, HelmTimeout, HookCount);
}

/// <summary>What one finding says about an object of the pending revision (or its release storage object).</summary>
public enum LivenessSignal
{
    /// <summary>Sign 1: the release storage object or <c>last_deployed</c> was written within the stale-after period.</summary>
    RecentRevisionWrite,

    /// <summary>Sign 1: the object's newest managedFields time is within the stale-after period.</summary>
    RecentWrite,

    /// <summary>Sign 2: inside the window, a wait would still wait on the object.</summary>
    WaitedOn,

    /// <summary>Sign 3: inside the window, a hook Job or Pod has not finished.</summary>
    HookRunning,

    /// <summary>The object could not be read while it mattered: the verdict cannot be stale.</summary>
    Unreadable,

    /// <summary>The object could not be read, but neither sign it could show is checked any more.</summary>
    UnreadableNoLongerMatters,

    /// <summary>The object does not exist: no sign by itself.</summary>
    Missing,

    /// <summary>The release's Lease has a holder renewed within its duration: a deploy holds the release.</summary>
    LeaseHeld,

    /// <summary>The release's Lease covers the pending revision and its holder is gone (released or expired).</summary>
    LeaseHolderGone,

    /// <summary>Read, and no sign of life (<see cref="LivenessFinding.Detail"/> says what a wait would still want, after the window).</summary>
    Quiet,
}

/// <summary>
/// One piece of evidence: which object, what it shows and how it counts. <see cref="Detail"/> is what a wait would
/// still wait on, or why the object cannot be read; <see cref="LastWrite"/> and <see cref="Manager"/> describe the newest
/// write (a Lease's last renewal), <see cref="Lease"/> the release's Lease when it is the evidence.
/// </summary>
public sealed record LivenessFinding(
    LivenessVerdict Counts,
    LivenessSignal Signal,
    ResourceKey Object,
    PendingObjectRole Role,
    string? Detail = null,
    DateTimeOffset? LastWrite = null,
    string? Manager = null,
    ReleaseLease? Lease = null);

/// <summary>
/// The verdict with its evidence, signs of life first, then what could not be checked, then the quiet objects; as
/// seen at <see cref="Now"/>.
/// </summary>
public sealed record LivenessAssessment(LivenessVerdict Verdict, IReadOnlyList<LivenessFinding> Findings, HelmWaitWindow Window, TimeSpan StaleAfter, DateTimeOffset Now);
