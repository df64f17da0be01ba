using System.Globalization;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Core.Liveness;

/// <summary>
/// Decides whether a helm may still be working on the pending revision, from the objects Helm itself would touch.
/// Signs of life: (1) a write within the stale-after period (the release storage object, <c>last_deployed</c>, or
/// any object's newest <c>managedFields</c> time); (2) inside Helm's wait window, an object a wait would still wait
/// on; (3) inside the window, a hook Job or Pod that has not finished. A sign makes it possibly-running; a check
/// that could not run makes it unknown; only with neither is it stale.
/// </summary>
public static class LivenessRule
{
    public static readonly TimeSpan DefaultHelmTimeout = TimeSpan.FromMinutes(5);

    public static LivenessAssessment Assess(LivenessFacts facts)
    {
        var window = facts.Window;
        var waitsCount = window.IsOpenAt(facts.Now);
        var recentWrites = facts.StaleAfter > TimeSpan.Zero;
        var findings = new List<(LivenessVerdict Points, string Line)>();

        if (recentWrites)
        {
            var storageWrites = facts.ReleaseStorageWrites.Concat(facts.LastDeployed is { } deployed ? [deployed] : []).ToList();
            if (storageWrites.Count > 0 && Recent(facts, storageWrites.Max()) is { } age)
            {
                findings.Add((LivenessVerdict.PossiblyRunning,
                    $"{facts.StorageObject}: the pending revision was written {age} ago (less than the stale-after period, {Durations.Describe(facts.StaleAfter)})"));
            }
        }

        foreach (var observed in facts.Objects)
        {
            var name = observed.Key.ToString();
            switch (observed.Outcome)
            {
                case ObservationOutcome.Unreadable when waitsCount || recentWrites:
                    findings.Add((LivenessVerdict.Unknown, $"{name}: cannot be checked: {observed.Reason}"));
                    continue;
                case ObservationOutcome.Unreadable:
                    findings.Add((LivenessVerdict.Stale, $"{name}: cannot be read ({observed.Reason}), but helm's waits are over and recent writes are not checked"));
                    continue;
                case ObservationOutcome.Missing:
                    findings.Add((LivenessVerdict.Stale, $"{name}: does not exist (not created by the pending revision, or deleted)"));
                    continue;
            }

            var live = observed.Live!;
            var signs = new List<string>();
            if (recentWrites && NewestWrite(live) is { } write && Recent(facts, write.Time) is { } writeAge)
            {
                signs.Add($"modified {writeAge} ago by {write.Manager} (less than the stale-after period, {Durations.Describe(facts.StaleAfter)})");
            }

            var wait = observed.Role == PendingObjectRole.Hook ? WaitRules.UnfinishedHook(live) : WaitRules.StillWaitingOn(live);
            if (wait is not null && waitsCount)
            {
                signs.Add(observed.Role == PendingObjectRole.Hook
                    ? $"hook {wait}: helm waits for it"
                    : $"{wait}: helm --wait would still wait on it");
            }

            findings.Add(signs.Count > 0
                ? (LivenessVerdict.PossiblyRunning, $"{name}: {string.Join("; ", signs)}")
                : (LivenessVerdict.Stale, $"{name}: {Quiet(live, wait, observed.Role)}"));
        }

        var verdict = findings.Count == 0 ? LivenessVerdict.Stale : findings.Max(f => f.Points);
        var evidence = findings
            .OrderByDescending(f => f.Points)
            .Select(f => f.Line)
            .Append(window.Describe(facts.Now))
            .ToList();
        return new LivenessAssessment(verdict, evidence, window);
    }

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

    /// <summary>The age of a write, as text, when it is within the stale-after period (a write from the future counts).</summary>
    private static string? Recent(LivenessFacts facts, DateTimeOffset time)
    {
        var age = facts.Now - time;
        return age < facts.StaleAfter ? Durations.Describe(age < TimeSpan.Zero ? TimeSpan.Zero : age) : null;
    }

    private static string Quiet(JsonObject live, string? wait, PendingObjectRole role)
    {
        var written = NewestWrite(live) is { } write ? $"last modified at {write.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} by {write.Manager}" : "no managedFields times";
        var state = wait is null
            ? (role == PendingObjectRole.Hook ? "hook finished or not waited on" : "ready")
            : $"{wait}, but helm's waits are over";
        return $"{written}; {state}";
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
