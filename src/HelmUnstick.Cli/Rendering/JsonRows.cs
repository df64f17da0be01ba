namespace HelmUnstick.Cli.Rendering;

/// <summary>The preflight as <c>check -o json</c> prints it.</summary>
internal sealed record CheckReport(
    string Release,
    string Namespace,
    string State,
    int? StuckRevision,
    string? StuckStatus,
    string? SecretName,
    bool Stale,
    string? Verdict,
    IReadOnlyList<string> Evidence,
    bool Blocked,
    IReadOnlyList<CheckReportItem> Checks,
    IReadOnlyList<string> Notes,
    string Change,
    string HelmNow,
    string HelmAfterFix)
{
    public static CheckReport From(RemediationPlan plan) => new(
        plan.Diagnosis.Release,
        plan.Diagnosis.Namespace,
        plan.Diagnosis.State.ToString().ToLowerInvariant(),
        plan.Target?.Revision,
        plan.Target?.Release?.StatusText,
        plan.Target?.ObjectName,
        plan.Liveness?.Verdict == LivenessVerdict.Stale,
        plan.Liveness?.Verdict.ToName(),
        plan.Liveness is { } liveness ? LivenessText.Evidence(liveness) : [],
        plan.Blocked,
        plan.Checks.Select(c => new CheckReportItem(CheckText.Title(c), c.Outcome.ToString().ToLowerInvariant(), CheckText.Summary(c), CheckText.Evidence(c))).ToList(),
        plan.Diagnosis.Anomalies.Select(a => $"{a.ObjectName}: {a.Message}").ToList(),
        plan.ChangeDescription,
        plan.Before.Summary,
        plan.After.Summary);
}

internal sealed record CheckReportItem(string Title, string Outcome, string Summary, IReadOnlyList<string> Evidence);

/// <summary>One revision as <c>history -o json</c> prints it.</summary>
internal sealed record HistoryRow(
    int Revision,
    DateTimeOffset? Updated,
    string Status,
    string? LabelStatus,
    string Chart,
    string? AppVersion,
    string Description,
    string SecretName,
    bool Stuck);

/// <summary>One backup Secret as <c>backups</c> lists it.</summary>
/// <param name="Namespace">Where the backup Secret is (not the release's namespace).</param>
/// <param name="ReleaseNamespace">The namespace of the release it copies.</param>
internal sealed record BackupRow(
    string Namespace,
    string Name,
    string Release,
    string ReleaseNamespace,
    int? Revision,
    DateTimeOffset? Taken,
    string Restore);

