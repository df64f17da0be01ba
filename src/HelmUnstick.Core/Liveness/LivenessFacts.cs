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
/// A <paramref name="StaleAfter"/> of zero turns the recent-write sign off.
/// </summary>
public sealed record LivenessFacts(
    string StorageObject,
    DateTimeOffset? LastDeployed,
    int HookCount,
    IReadOnlyList<DateTimeOffset> ReleaseStorageWrites,
    IReadOnlyList<ObservedObject> Objects,
    DateTimeOffset Now,
    TimeSpan StaleAfter,
    TimeSpan HelmTimeout)
{
    public HelmWaitWindow Window => new(LastDeployed, HelmTimeout, HookCount);
}

/// <summary>The verdict with its evidence, one line per object or reason, signs of life first.</summary>
public sealed record LivenessAssessment(LivenessVerdict Verdict, IReadOnlyList<string> Evidence, HelmWaitWindow Window);
