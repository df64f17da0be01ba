using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Explain;

namespace HelmUnstick.Engine.Unstick;

/// <summary>One step of an incident as it happened.</summary>
internal sealed record TimelineEntry(DateTimeOffset Time, string Step);

/// <summary>What an incident note says, collected while a command runs: steps, checks, the change and the explanation.</summary>
internal sealed class IncidentRecord(string command, string release, string ns, string context)
{
    private readonly List<TimelineEntry> _timeline = [];

    public string Command { get; } = command;

    public string Release { get; } = release;

    public string Namespace { get; } = ns;

    public string Context { get; } = context;

    public IReadOnlyList<TimelineEntry> Timeline => _timeline;

    public RemediationPlan? Plan { get; set; }

    /// <summary>The change made to Helm's state, or null when nothing was changed.</summary>
    public string? Change { get; set; }

    public string? Backup { get; set; }

    /// <summary>The exact command that puts the backed-up Secret back, as fix printed it.</summary>
    public string? RestoreCommand { get; set; }

    public string Outcome { get; set; } = "nothing was changed";

    /// <summary>The explanation before any change.</summary>
    public ExplainedRelease? Explanation { get; set; }

    /// <summary>The same revisions compared with the cluster again after the change.</summary>
    public ExplainedRelease? Verification { get; set; }

    public string? ExplanationError { get; set; }

    /// <summary>What Helm believes at the end: what <c>helm status</c> shows and what the next upgrade does.</summary>
    public HelmOutlook? Outlook { get; set; }

    /// <summary>The re-run of the failed deploy job (<c>fix --retry-ci</c>), when one was attempted.</summary>
    public CiRetryReport? Retry { get; set; }

    public void Record(DateTimeOffset time, string step) => _timeline.Add(new TimelineEntry(time, step));

    /// <summary>The explanation before any change, with its timeline line.</summary>
    public void Explained(ExplainedRelease explained, DateTimeOffset time)
    {
        Explanation = explained;
        Record(time, $"Compared revision {explained.Stuck.Revision} with {(explained.Previous is { } previous ? $"revision {previous.Revision}" : "no previous revision")} and the live objects: {explained.Explanation.Summary}");
    }

    /// <summary>The explanation read as advice before any change, or why it could not be read.</summary>
    public void Explained(ExplanationRead read, DateTimeOffset time)
    {
        if (read.Explained is { } explained)
        {
            Explained(explained, time);
        }
        else
        {
            ExplanationError = read.Error;
        }
    }

    /// <summary>The live objects compared again after the change, or why they could not be.</summary>
    public void ComparedAgain(ExplanationRead read, DateTimeOffset time)
    {
        if (read.Explained is { } after)
        {
            Verification = after;
            Record(time, $"Compared the live objects again: {after.Explanation.Summary}");
        }
        else
        {
            ExplanationError = read.Error;
        }
    }

    /// <summary>Takes the re-run of the failed deploy job: its steps, its outcome after the fix's, and what Helm shows after it.</summary>
    public void Add(CiRetryReport retry)
    {
        Retry = retry;
        foreach (var step in retry.Events)
        {
            Record(step.Time, step.Step);
        }

        Outcome = $"{Outcome}; retry: {retry.Summary}";
        if (retry.After?.Outlook is { } outlook)
        {
            Outlook = outlook;
        }
    }

    /// <summary>Takes the engine's account of an apply as it is.</summary>
    /// <param name="restoreCommand">The command that puts the backup back, as fix prints it.</param>
    public void Add(UnstickIncident apply, string? restoreCommand)
    {
        foreach (var step in apply.Timeline)
        {
            Record(step.Time, step.Step);
        }

        if (apply.Backup is { } backup)
        {
            Backup = backup;
            RestoreCommand = apply.Undoable ? restoreCommand : null;
        }

        Change = apply.Change ?? Change;
        Outlook = apply.Outlook ?? Outlook;
        Outcome = apply.Outcome ?? Outcome;
    }
}
