using System.Globalization;
using HelmUnstick.Core.Liveness;

namespace HelmUnstick.Engine.Wording;

/// <summary>The liveness verdict and its evidence in words: one line per object and reason, then the wait window.</summary>
internal static class LivenessText
{
    /// <summary>The window, as <c>--help</c> states it.</summary>
    public const string WindowRule =
        "what helm --wait or a hook would still wait on counts as a sign of life only until the pending revision's " +
        "info.last_deployed + --helm-timeout x (hooks + 1) + a grace of --helm-timeout, at most 1m";

    public static IReadOnlyList<string> Evidence(LivenessAssessment assessment) =>
        assessment.Findings.Select(f => Line(f, assessment.StaleAfter, assessment.Now)).Append(Window(assessment.Window, assessment.Now)).ToList();

    public static string Line(LivenessFinding f, TimeSpan staleAfter, DateTimeOffset now)
    {
        var what = f.Object.ToString();
        var within = $"less than --stale-after {Durations.Describe(staleAfter)}";
        return f.Signal switch
        {
            LivenessSignal.RecentRevisionWrite => $"{what}: the pending revision was written {Ago(f.LastWrite!.Value, now)} ago ({within})",
            LivenessSignal.RecentWrite => $"{what}: modified {Ago(f.LastWrite!.Value, now)} ago by {f.Manager} ({within})",
            LivenessSignal.WaitedOn => $"{what}: {f.Detail}: helm --wait would still wait on it",
            LivenessSignal.HookRunning => $"{what}: hook {f.Detail}: helm waits for it",
            LivenessSignal.Unreadable => $"{what}: cannot be checked: {f.Detail}",
            LivenessSignal.UnreadableNoLongerMatters => $"{what}: cannot be read ({f.Detail}), but helm's waits are over and --stale-after 0s turns recent writes off",
            LivenessSignal.LeaseHeld => $"{what}: held by {Holder(f.Lease!)}, renewed {Ago(f.Lease!.RenewTime!.Value, now)} ago (lease {Durations.Describe(f.Lease.Duration)}): a deploy holds the release",
            LivenessSignal.LeaseHolderGone => $"{what}: holder {Holder(f.Lease!)} gone since {Stamp(f.Lease!.TermEnd!.Value)}; its lease covers the pending revision",
            LivenessSignal.Missing => $"{what}: does not exist (not created by the pending revision, or deleted)",
            _ => $"{what}: {LastWrite(f)}; {QuietState(f)}",
        };
    }

    /// <summary>
    /// What a Lease finding about pending revision <paramref name="revision"/> means for the operator: a live holder
    /// may still finish it; a gone one never will.
    /// </summary>
    public static string LeaseConsequence(LivenessFinding lease, int revision) => lease.Signal == LivenessSignal.LeaseHeld
        ? $"a run still holds the release and may finish revision {revision} itself; wait for it (or its Lease to expire): fix refuses to remove it unless --force --reason says why"
        : $"nothing will finish revision {revision}: fix can take it out of Helm's way now, without waiting for --stale-after or Helm's window (the CI and workload checks still apply)";

    public static string Window(HelmWaitWindow window, DateTimeOffset now)
    {
        var hooks = window.HookCount == 1 ? "1 hook" : $"{window.HookCount} hooks";
        var length = $"{Durations.Describe(window.HelmTimeout)} x ({hooks} + 1) + {Durations.Describe(window.Grace)}";
        return window.End switch
        {
            null => $"helm's waits: the pending revision has no info.last_deployed, so the window ({length}) cannot be placed and waits count",
            { } end when now < end => $"helm's waits: window open until {Stamp(end)} (last_deployed {Stamp(window.Start!.Value)} + {length}), {Durations.Describe(end - now)} left",
            { } end => $"helm's waits: window closed at {Stamp(end)} (last_deployed {Stamp(window.Start!.Value)} + {length}), {Durations.Describe(now - end)} ago",
        };
    }

    /// <summary>The holder's identity and its CI job; a released lease names who held it (its annotation).</summary>
    private static string Holder(ReleaseLease lease) =>
        (lease.HolderIdentity is { Length: > 0 } holder ? holder : lease.HeldBy ?? "(not recorded)")
        + (lease.CiJobUrl is { } job ? $" of CI job {job}" : "")
        + (lease.Command is { } command ? $" ({command})" : "");

    private static string LastWrite(LivenessFinding f) =>
        f.LastWrite is { } time ? $"last modified at {Stamp(time)} by {f.Manager}" : "no managedFields times";

    private static string QuietState(LivenessFinding f) => f.Detail is { } wait
        ? $"{wait}, but helm's waits are over"
        : f.Role == PendingObjectRole.Hook ? "hook finished or not waited on" : "ready";

    private static string Ago(DateTimeOffset time, DateTimeOffset now) => Durations.Describe(now > time ? now - time : TimeSpan.Zero);

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
