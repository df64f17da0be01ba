using System.Globalization;
using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Liveness;

/// <summary>
/// Decides whether a helm may still be working on the pending revision, from the objects Helm itself would touch.
/// Signs of life: (1) a write within the stale-after period (the release storage object, <c>last_deployed</c>, or
/// any object's newest <c>managedFields</c> time); (2) inside Helm's wait window, an object a wait would still wait
/// on; (3) inside the window, a hook Job or Pod that has not finished. A sign makes it possibly-running; a check
/// that could not run makes it unknown; only with neither is it stale. The release's Lease (held by <c>run</c>)
/// overrides them all: a live holder is possibly-running, a gone holder of the pending revision is stale.
/// </summary>
public static class LivenessRule
{
    public static readonly TimeSpan DefaultHelmTimeout = TimeSpan.FromMinutes(5);

    public static LivenessAssessment Assess(LivenessFacts facts)
    {
        var window = facts.Window;
        var waitsCount = window.IsOpenAt(facts.Now);
        var recentWrites = facts.StaleAfter > TimeSpan.Zero;
        var findings = new List<LivenessFinding>();

        if (recentWrites)
        {
            var revisionWrites = facts.ReleaseStorageWrites.Concat(facts.LastDeployed is { } deployed ? [deployed] : []).ToList();
            if (revisionWrites.Count > 0 && IsRecent(facts, revisionWrites.Max()))
            {
                findings.Add(new(LivenessVerdict.PossiblyRunning, LivenessSignal.RecentRevisionWrite, facts.StorageObject, PendingObjectRole.Manifest,
                    LastWrite: revisionWrites.Max()));
            }
        }

        foreach (var observed in facts.Objects)
        {
            switch (observed.Outcome)
            {
                case ObservationOutcome.Unreadable:
                    findings.Add(waitsCount || recentWrites
                        ? new(LivenessVerdict.Unknown, LivenessSignal.Unreadable, observed.Key, observed.Role, observed.Reason)
                        : new(LivenessVerdict.Stale, LivenessSignal.UnreadableNoLongerMatters, observed.Key, observed.Role, observed.Reason));
                    continue;
                case ObservationOutcome.Missing:
                    findings.Add(new(LivenessVerdict.Stale, LivenessSignal.Missing, observed.Key, observed.Role));
                    continue;
            }

            var live = observed.Live!;
            var write = NewestWrite(live);
            var wait = observed.Role == PendingObjectRole.Hook ? WaitRules.UnfinishedHook(live) : WaitRules.StillWaitingOn(live);
            var signs = new List<LivenessFinding>();
            if (recentWrites && write is { } w && IsRecent(facts, w.Time))
            {
                signs.Add(new(LivenessVerdict.PossiblyRunning, LivenessSignal.RecentWrite, observed.Key, observed.Role, LastWrite: w.Time, Manager: w.Manager));
            }

            if (wait is not null && waitsCount)
            {
                signs.Add(new(LivenessVerdict.PossiblyRunning, observed.Role == PendingObjectRole.Hook ? LivenessSignal.HookRunning : LivenessSignal.WaitedOn,
                    observed.Key, observed.Role, wait));
            }

            findings.AddRange(signs.Count > 0
                ? signs
                : [new(LivenessVerdict.Stale, LivenessSignal.Quiet, observed.Key, observed.Role, wait, write?.Time, write?.Manager)]);
        }

        var verdict = findings.Count == 0 ? LivenessVerdict.Stale : findings.Max(f => f.Counts);
        var ordered = findings.OrderByDescending(f => f.Counts).ToList();

        // The release's Lease is a record, not an inference: it decides whatever the other signs say.
        if (LeaseRule.Finding(facts.Lease, facts.LastDeployed, facts.Now) is { } lease)
        {
            ordered.Insert(0, lease);
            verdict = lease.Counts;
        }

        return new LivenessAssessment(verdict, ordered, window, facts.StaleAfter, facts.Now);
    }

    /// <summary>
    /// Whether reading the evidence again at <paramref name="now"/> could give another verdict than judging the same
    /// <paramref name="facts"/> again at that time: while Helm's window is open (a wait or hook may finish), within
    /// staleAfter of <c>last_deployed</c> (a helm with a longer timeout may still write its objects), while an object
    /// could not be read (the next read may succeed), and while the release's Lease had a live holder when it was read
    /// (it may have renewed or released it since). Past all of them a helm can no longer be at work, so what was read
    /// stays true; the signs it holds age as they would. The release object's own writes are not polled: a write to it
    /// is seen by whoever watches it, and the revision is read afresh.
    /// </summary>
    public static bool EvidenceMayChange(LivenessFacts facts, DateTimeOffset now) =>
        facts.Window.IsOpenAt(now)
        || (facts.StaleAfter > TimeSpan.Zero && (facts.LastDeployed is not { } deployed || now - deployed < facts.StaleAfter))
        || facts.Objects.Any(o => o.Outcome == ObservationOutcome.Unreadable)
        || LeaseRule.Judge(facts.Lease, facts.LastDeployed, facts.Now) == LeaseStanding.HolderLive;

    /// <summary>The newest <c>metadata.managedFields[].time</c> of any manager, with that manager.</summary>
    public static (DateTimeOffset Time, string Manager)? NewestWrite(JsonObject live) =>
        (live["metadata"]?["managedFields"] as JsonArray)?
            .OfType<JsonObject>()
            .Select(entry => (Time: ParseTime(entry["time"]), Manager: Text(entry["manager"]) ?? "an unnamed manager"))
            .Where(entry => entry.Time is not null)
            .Select(entry => (entry.Time!.Value, entry.Manager))
            .OrderByDescending(entry => entry.Value)
            .Cast<(DateTimeOffset, string)?>()
            .FirstOrDefault();

    public static DateTimeOffset? ParseTime(JsonNode? node) =>
        Text(node) is { Length: > 0 } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    /// <summary>Within the stale-after period; a write from the future (clock skew) counts too.</summary>
    private static bool IsRecent(LivenessFacts facts, DateTimeOffset time) => facts.Now - time < facts.StaleAfter;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
