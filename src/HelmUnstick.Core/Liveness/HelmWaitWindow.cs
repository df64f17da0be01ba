namespace HelmUnstick.Core.Liveness;

/// <summary>
/// How long a live helm may still legitimately wait for the pending revision: each hook is waited on with the full
/// <c>--timeout</c>, then the resources once more, so Helm gives up at the latest
/// <c>last_deployed + timeout × (hooks + 1)</c>; a grace of the timeout itself, at most one minute, covers the work
/// around the waits (rendering, API calls) and clock skew. After the window, what Helm would wait on is no sign of life.
/// </summary>
public sealed record HelmWaitWindow(DateTimeOffset? Start, TimeSpan HelmTimeout, int HookCount)
{
    public static readonly TimeSpan MaxGrace = TimeSpan.FromMinutes(1);

    public TimeSpan Grace => HelmTimeout < MaxGrace ? HelmTimeout : MaxGrace;

    public TimeSpan Length => HelmTimeout * (HookCount + 1) + Grace;

    /// <summary>Null when the pending revision has no <c>last_deployed</c>: then the window never closes.</summary>
    public DateTimeOffset? End => Start + Length;

    public bool IsOpenAt(DateTimeOffset now) => End is not { } end || now < end;
}
