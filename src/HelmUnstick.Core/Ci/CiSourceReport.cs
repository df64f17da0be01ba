namespace HelmUnstick.Core.Ci;

public enum CiVerdict
{
    /// <summary>Nothing active blocks a change to the cluster.</summary>
    Quiet,

    /// <summary>At least one activity deploys to the cluster.</summary>
    Busy,

    /// <summary>The source could not be asked; the caller must fail closed.</summary>
    Unavailable,
}

/// <summary>
/// The CI job named by the release's Lease (the job whose <c>run</c> held the release), as its CI system reports it
/// now: still running, it blocks a change whatever the mapping says; finished, failed or cancelled, it is evidence that
/// the deploy it ran is over.
/// </summary>
/// <param name="Status">The CI system's own word for its state (running, failed, completed/cancelled).</param>
public sealed record CiLeaseJob(string Name, string Status, CiJobState State, string WebUrl)
{
    public bool Blocks => State == CiJobState.Active;
}

/// <summary>What one CI source (for example <c>GitLab https://ops.example.com</c>) reported.</summary>
public sealed record CiSourceReport(
    string SourceName,
    IReadOnlyList<string> Projects,
    IReadOnlyList<CiActivity> Activities,
    CiVerdict Verdict,
    string? Error)
{
    public static CiSourceReport FromActivities(string sourceName, IReadOnlyList<string> projects, IReadOnlyList<CiActivity> activities) =>
        new(sourceName, projects, activities, activities.Any(a => a.Blocks) ? CiVerdict.Busy : CiVerdict.Quiet, null);

    public static CiSourceReport Unavailable(string sourceName, IReadOnlyList<string> projects, string error) =>
        new(sourceName, projects, [], CiVerdict.Unavailable, error);

    /// <summary>The job the release's Lease names, when this source is the one that runs it.</summary>
    public CiLeaseJob? LeaseJob { get; init; }

    /// <summary>Busy and Unavailable both stop a change: an unanswered question is not a quiet CI.</summary>
    public bool Blocks => Verdict != CiVerdict.Quiet;

    /// <summary>This report with the Lease's job added: a quiet source is busy while that job still runs.</summary>
    public CiSourceReport WithLeaseJob(CiLeaseJob job) =>
        this with { LeaseJob = job, Verdict = Verdict == CiVerdict.Quiet && job.Blocks ? CiVerdict.Busy : Verdict };

    /// <summary>The one-line state of this source for a checklist item; the activities follow it as detail.</summary>
    public string Headline => Verdict switch
    {
        CiVerdict.Unavailable => $"{SourceName}: unavailable: {Error}",
        CiVerdict.Busy => $"{SourceName}: busy: {Count(Activities.Count(a => a.Blocks) + LeaseJobRunning, "blocking item")} of {Count(Activities.Count + LeaseJobRunning, "active item")}",
        _ when Activities.Count == 0 => $"{SourceName}: quiet: nothing active",
        _ => $"{SourceName}: quiet: {Count(Activities.Count, "active item")}, none deploying to this cluster",
    };

    private int LeaseJobRunning => LeaseJob is { Blocks: true } ? 1 : 0;

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
