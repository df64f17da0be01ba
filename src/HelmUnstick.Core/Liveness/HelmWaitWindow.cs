using HelmUnstick.Core.Remediation;

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

    /// <summary>The formula, for help texts and evidence.</summary>
    public const string Formula = "last_deployed + helm timeout × (hooks + 1) + grace (the helm timeout, at most 1m)";

    public TimeSpan Grace => HelmTimeout < MaxGrace ? HelmTimeout : MaxGrace;

    public TimeSpan Length => HelmTimeout * (HookCount + 1) + Grace;

    /// <summary>Null when the pending revision has no <c>last_deployed</c>: then the window never closes.</summary>
    public DateTimeOffset? End => Start + Length;

    public bool IsOpenAt(DateTimeOffset now) => End is not { } end || now < end;

    public string Describe(DateTimeOffset now)
    {
        var hooks = HookCount == 1 ? "1 hook" : $"{HookCount} hooks";
        var length = $"{Durations.Describe(HelmTimeout)} × ({hooks} + 1) + {Durations.Describe(Grace)}";
        return End switch
        {
            null => $"helm's waits: the pending revision has no info.last_deployed, so the window ({length}) cannot be placed and waits count",
            { } end when now < end => $"helm's waits: window open until {Stamp(end)} (last_deployed {Stamp(Start!.Value)} + {length}), {Durations.Describe(end - now)} left",
            { } end => $"helm's waits: window closed at {Stamp(end)} (last_deployed {Stamp(Start!.Value)} + {length}), {Durations.Describe(now - end)} ago",
        };
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
