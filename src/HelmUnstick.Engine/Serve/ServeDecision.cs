using System.Text.Json.Serialization;
using HelmUnstick.Core.Liveness;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// One line of <c>serve</c>'s stdout per decision: a release first seen stuck (<c>action: alert</c>), or a fix
/// attempt (<c>action: fix</c>, outcome fixed, blocked or failed); each with the liveness verdict and its first piece
/// of evidence (the one that decides it).
/// </summary>
internal sealed record ServeDecision(
    DateTimeOffset Time,
    string Namespace,
    string Release,
    int Revision,
    ServeAction Action,
    string? Strategy,
    ServeOutcome Outcome,
    IReadOnlyList<string> Reasons,
    string? Backup,
    string? Verdict,
    string? Evidence)
{
    public string ToJsonLine() => EngineJson.Serialize(this, EngineJson.Compact);

    /// <summary>A fix attempt's outcome as its decision line says it.</summary>
    public static ServeOutcome OutcomeOf(RemediationOutcome outcome) => outcome switch
    {
        RemediationOutcome.Fixed => ServeOutcome.Fixed,
        RemediationOutcome.Blocked => ServeOutcome.Blocked,
        _ => ServeOutcome.Failed,
    };
}

/// <summary>What a decision line is about, written as <c>alert</c> or <c>fix</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServeAction>))]
internal enum ServeAction
{
    /// <summary>A release first seen stuck (and stale).</summary>
    [JsonStringEnumMemberName("alert")]
    Alert,

    /// <summary>A fix attempt.</summary>
    [JsonStringEnumMemberName("fix")]
    Fix,
}

/// <summary>How a decision ended, written as <c>stuck</c> (an alert), <c>fixed</c>, <c>blocked</c> or <c>failed</c> (a fix).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServeOutcome>))]
internal enum ServeOutcome
{
    [JsonStringEnumMemberName("stuck")]
    Stuck,

    [JsonStringEnumMemberName("fixed")]
    Fixed,

    [JsonStringEnumMemberName("blocked")]
    Blocked,

    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>How a fix attempt ended, for the log line, the metric and the Event.</summary>
/// <param name="Reasons">For blocked: each failing check; for failed: what went wrong; for fixed: the overrides used and what Helm now shows.</param>
/// <param name="Changed">Whether the Secret was (or may have been) changed: it counts against limits.maxFixesPerHour.</param>
internal sealed record FixAttempt(RemediationOutcome Outcome, IReadOnlyList<string> Reasons, string? Backup, bool Changed)
{
    /// <summary>The verdict the fix's own checks reached; null when it did not get that far.</summary>
    public LivenessAssessment? Liveness { get; init; }
}
