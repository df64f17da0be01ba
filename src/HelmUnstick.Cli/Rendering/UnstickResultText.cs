using HelmUnstick.Engine.Unstick;

namespace HelmUnstick.Cli.Rendering;

/// <summary>How <c>fix --apply</c> tells the operator what the engine did: the lines printed and the error; the note takes the engine's account whole.</summary>
internal static class UnstickResultText
{
    /// <summary>
    /// Says how the apply ended. A failure before or during the write is not printed here: it is the run's one error
    /// line, which the command ends with (<see cref="ApplyEnd.Error"/>).
    /// </summary>
    public static ApplyEnd Report(CliEnvironment env, FixRun run, UnstickResult applied, string? restoreHint)
    {
        var record = run.Record;
        var plan = applied.Plan;
        record.Add(applied.Incident, restoreHint);
        foreach (var warning in applied.Warnings)
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        if (applied.Backup is { } backup)
        {
            run.Say($"  Backup: {backup}");
        }

        switch (applied.FailedStep, applied.Outcome)
        {
            case (null, UnstickOutcome.Fixed):
                run.Say($"  Verified: {applied.Verification!.Observed!.Summary}");
                return new(ExitCodes.For(applied.Outcome), null);
            case (null, UnstickOutcome.AlreadyFixed):
                run.Say($"  Already fixed: another writer made the same change first; this run changed nothing. {applied.Verification!.Observed!.Summary}");
                return new(ExitCodes.For(applied.Outcome), null);
            case (UnstickStep.Write, UnstickOutcome.ChangedBySomeoneElse):
                return new(ExitCodes.For(applied.Outcome), $"{applied.Problem}; nothing was changed by this run. Check with: helm history {record.Release} -n {record.Namespace}");
            case (UnstickStep.Reread or UnstickStep.Write, UnstickOutcome.RefusedConcurrentChange):
                return new(ExitCodes.For(applied.Outcome), $"{applied.Problem}; nothing was changed, run fix again");
            case (UnstickStep.AuditLog, _):
                return new(ExitCodes.For(applied.Outcome), $"{applied.Problem}; nothing was changed (make it writable, or set XDG_STATE_HOME)");
            case (UnstickStep.Backup, _):
                return new(ExitCodes.For(applied.Outcome), $"{applied.Problem}; nothing was changed (choose another --backup-dir)");
            case (UnstickStep.Write, _):
                return new(ExitCodes.For(applied.Outcome), $"{applied.Problem}; re-read: {applied.AfterFailedWrite!.Value.Words()}. Backup: {applied.Backup}; to undo: {restoreHint}");
            case (UnstickStep.Verification, _):
                run.Say($"  Changed: {plan.ChangeDescription}");
                env.Error.WriteLine(applied.Verification!.ReadError is not null
                    ? $"error: the change was made but {applied.Problem}; check with: helm history {record.Release} -n {record.Namespace}; to undo: {restoreHint}"
                    : $"error: verification failed: {applied.Problem}; to undo: {restoreHint}");
                return new(ExitCodes.For(applied.Outcome), null);
            default:
                return new(ExitCodes.For(applied.Outcome), applied.Problem ?? applied.Outcome.ToString());
        }
    }
}

/// <summary>How an apply ends for the command: its exit code, and the one error line it ends with, if any.</summary>
internal sealed record ApplyEnd(int ExitCode, string? Error);

/// <summary>One fix invocation: where its human text goes (nowhere with -o json) and what the incident note collects.</summary>
internal sealed class FixRun(CliEnvironment env, bool json, IncidentRecord record)
{
    public bool Json { get; } = json;

    public IncidentRecord Record { get; } = record;

    public void Say(string line)
    {
        if (!Json)
        {
            env.WriteData(line);
        }
    }
}
