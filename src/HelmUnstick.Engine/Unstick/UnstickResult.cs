using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Serve;

namespace HelmUnstick.Engine.Unstick;

/// <summary>How an unstick attempt ended: a closed set, each with one exit code in the CLI.</summary>
internal enum UnstickOutcome
{
    /// <summary>Changed, and the history read back says what the plan predicted.</summary>
    Fixed,

    /// <summary>No revision is stuck; nothing was changed.</summary>
    NothingToFix,

    /// <summary>A check failed; nothing was changed.</summary>
    Blocked,

    /// <summary>A read, the backup or the write failed, and the Secret is known to be unchanged.</summary>
    ApiError,

    /// <summary>The Secret was (or may have been) changed, but the result could not be verified.</summary>
    ChangedUnverified,

    /// <summary>The Secret changed since it was inspected (another writer); nothing was changed.</summary>
    RefusedConcurrentChange,

    /// <summary>
    /// Another writer changed the Secret between the re-read and the write (409, or 404 to a DELETE) and the history
    /// shows exactly what the plan predicted: this run changed nothing, the release is fixed.
    /// </summary>
    AlreadyFixed,

    /// <summary>Another writer changed the Secret between the re-read and the write, to something else than planned; this run changed nothing.</summary>
    ChangedBySomeoneElse,
}

/// <summary>How an attempt ends for a script: each value is one exit code of the CLI.</summary>
internal enum ExitStatus
{
    /// <summary>Done and verified, or nothing to do.</summary>
    Ok,

    /// <summary>Refused or blocked; nothing was changed by this run.</summary>
    Blocked,

    /// <summary>The cluster or its API failed; nothing was changed.</summary>
    ClusterError,

    /// <summary>A change was (or may have been) made but could not be verified.</summary>
    VerificationFailed,
}

/// <summary>What an attempt's outcome means to everyone who reports it.</summary>
/// <param name="Remediation">serve's remediation result (its metric label and decision); null when there is nothing to report (no change was needed).</param>
/// <param name="Exit">The CLI's exit status.</param>
/// <param name="Changed">Whether this run changed (or may have changed) the release.</param>
internal sealed record OutcomeMeaning(RemediationOutcome? Remediation, ExitStatus Exit, bool Changed);

internal static class UnstickOutcomes
{
    /// <summary>The one mapping of how an attempt ended to its exit status, serve's remediation result and whether it changed anything.</summary>
    public static OutcomeMeaning Meaning(this UnstickOutcome outcome) => outcome switch
    {
        UnstickOutcome.Fixed => new(RemediationOutcome.Fixed, ExitStatus.Ok, Changed: true),
        UnstickOutcome.NothingToFix or UnstickOutcome.AlreadyFixed => new(null, ExitStatus.Ok, Changed: false),
        UnstickOutcome.Blocked or UnstickOutcome.RefusedConcurrentChange or UnstickOutcome.ChangedBySomeoneElse =>
            new(RemediationOutcome.Blocked, ExitStatus.Blocked, Changed: false),
        UnstickOutcome.ApiError => new(RemediationOutcome.Failed, ExitStatus.ClusterError, Changed: false),
        UnstickOutcome.ChangedUnverified => new(RemediationOutcome.Failed, ExitStatus.VerificationFailed, Changed: true),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

/// <summary>The step of <see cref="UnstickEngine.ApplyAsync"/> that did not succeed.</summary>
internal enum UnstickStep
{
    Reread,
    AuditLog,
    Backup,
    Write,
    Verification,
}

/// <summary>What a re-read found after a write failed without an answer saying whether it happened.</summary>
internal enum SecretAfterFailedWrite
{
    Unchanged,
    Gone,
    Modified,
    Unknown,
}

internal static class SecretAfterFailedWriteWords
{
    /// <summary>What the re-read found, as the audit line and the error line say it.</summary>
    public static string Words(this SecretAfterFailedWrite state) => state switch
    {
        SecretAfterFailedWrite.Unknown => "the Secret could not be re-read, so its state is unknown",
        SecretAfterFailedWrite.Gone => "the Secret is gone (the change happened)",
        SecretAfterFailedWrite.Unchanged => "the Secret is unchanged",
        _ => "the Secret was modified",
    };
}

/// <summary>One step as it happened, for the incident timeline.</summary>
internal sealed record UnstickEvent(DateTimeOffset Time, string Step);

/// <summary>What Helm believes after the change (read back), or why it could not be read.</summary>
/// <param name="Verified">True when nothing is pending any more and Helm sees what the plan predicted.</param>
internal sealed record UnstickVerification(HelmOutlook? Observed, string? ReadError, bool Verified);

/// <summary>Everything an apply did and found.</summary>
/// <param name="Events">The steps taken, in order, for the incident timeline.</param>
/// <param name="Warnings">Problems that do not change the outcome (an audit line that could not be written).</param>
internal sealed record UnstickResult(UnstickOutcome Outcome, RemediationPlan Plan, IReadOnlyList<UnstickEvent> Events, IReadOnlyList<string> Warnings)
{
    /// <summary>For anything but Fixed or NothingToFix: what went wrong, in one line.</summary>
    public string? Problem { get; init; }

    /// <summary>The step that did not succeed, when one did not.</summary>
    public UnstickStep? FailedStep { get; init; }

    /// <summary>When the write failed: what the re-read found.</summary>
    public SecretAfterFailedWrite? AfterFailedWrite { get; init; }

    /// <summary>The backup file, once written.</summary>
    public string? Backup { get; init; }

    public UnstickVerification? Verification { get; init; }

    /// <summary>The audit line written for the change attempt, when the attempt got that far.</summary>
    public AuditEntry? Audit { get; init; }

    /// <summary>What the incident note says about this attempt, decided here so that no caller works it out again.</summary>
    public UnstickIncident Incident => (FailedStep, Outcome) switch
    {
        (null, UnstickOutcome.Fixed) => Noted(Plan.ChangeDescription, Verification!.Observed!, $"changed and verified: {Verification.Observed!.Summary}"),
        (null, UnstickOutcome.AlreadyFixed) =>
            Noted(null, Verification!.Observed!, $"already fixed by someone else (this run changed nothing): {Verification.Observed!.Summary}"),
        (UnstickStep.Write, UnstickOutcome.ChangedBySomeoneElse) =>
            Noted(null, Verification?.Observed, $"changed by someone else (this run changed nothing): {Problem}"),
        (UnstickStep.Write, UnstickOutcome.ChangedUnverified) =>
            Noted($"uncertain: the request to {Plan.ChangeDescription} failed with an error; re-read: {AfterFailedWrite!.Value.Words()}", null, null),
        (UnstickStep.Verification, _) => Noted(Plan.ChangeDescription, Verification!.Observed, $"changed but not verified: {Problem}"),
        _ => Noted(null, null, null),
    };

    // Nothing to undo when another writer made the change.
    private UnstickIncident Noted(string? change, HelmOutlook? outlook, string? outcome) =>
        new(Events, Backup, Undoable: Outcome is not (UnstickOutcome.AlreadyFixed or UnstickOutcome.ChangedBySomeoneElse), change, outlook, outcome);
}

/// <summary>An attempt as the incident note records it; a null field leaves what the note already says.</summary>
/// <param name="Timeline">The steps taken, in order.</param>
/// <param name="Backup">The backup file, once written.</param>
/// <param name="Undoable">Whether restoring the backup undoes a change this run made.</param>
/// <param name="Change">The change made to Helm's state (or the doubt about it).</param>
/// <param name="Outlook">What Helm believes afterwards, when it was read back.</param>
/// <param name="Outcome">How the attempt ended, in one line.</param>
internal sealed record UnstickIncident(
    IReadOnlyList<UnstickEvent> Timeline,
    string? Backup,
    bool Undoable,
    string? Change,
    HelmOutlook? Outlook,
    string? Outcome);

/// <summary>A failure before anything was changed that ends the attempt without a plan.</summary>
internal sealed class UnstickException(UnstickFailure failure, string message) : EngineException(failure, message);

internal enum UnstickFailure
{
    /// <summary>The request names something that does not exist, or a file or setting it names (kubeconfig, CI configuration, backup, policy) is wrong.</summary>
    InvalidRequest,

    /// <summary>The cluster could not be read, or what it holds cannot be decoded.</summary>
    ClusterError,

    /// <summary>What the request names is refused (a backup that is not a Helm release object); nothing was changed.</summary>
    Refused,
}
