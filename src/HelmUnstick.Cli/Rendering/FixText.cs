using HelmUnstick.Engine.Explain;

namespace HelmUnstick.Cli.Rendering;

/// <summary>How <c>fix</c> reads, from the engine's report: the plan, how the change went, and how the run ended.</summary>
internal static class FixText
{
    /// <summary>The preflight, then (when a revision is stuck) the plan in three lines and what the cluster runs.</summary>
    public static void WritePlanned(CliEnvironment env, FixRun run, IncidentRecord record, bool verbose)
    {
        if (run.Json)
        {
            return;
        }

        var plan = record.Plan!;
        PreflightText.Write(env.Console, plan, verbose);
        if (plan.NothingToFix)
        {
            return;
        }

        run.Say($"  Plan ({StrategyNames.Of(plan.Strategy)}): {plan.ChangeDescription}");
        run.Say($"    Before: {plan.Before.Summary}");
        run.Say($"    After:  {plan.After.Summary}");
        if (record.Explanation is not { } explained)
        {
            run.Say($"  Live: not known ({record.ExplanationError})");
        }
        else if (verbose)
        {
            var previous = explained.Previous is { } p ? $"{p.Revision}" : "nothing before it";
            run.Say($"  Live (revision {explained.StuckRevision} vs {previous}): {explained.Explanation.Summary}");
            WriteObjects(env, run, explained);
        }
        else
        {
            run.Say($"  Live: {LiveStateText.Grouped(explained)}");
        }
    }

    /// <summary>
    /// How the change went. A failure before or during the write is not printed here: it is the run's one error line
    /// (<see cref="FixReport.Error"/>), which the command ends with.
    /// </summary>
    public static void WriteApplied(CliEnvironment env, FixRun run, FixReport report, bool verbose)
    {
        var applied = report.Applied!;
        var record = report.Record;
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
                break;
            case (null, UnstickOutcome.AlreadyFixed):
                run.Say($"  Already fixed: another writer made the same change first; this run changed nothing. {applied.Verification!.Observed!.Summary}");
                break;
            case (UnstickStep.Verification, _):
                run.Say($"  Changed: {report.Plan.ChangeDescription}");
                env.Error.WriteLine(applied.Verification!.ReadError is not null
                    ? $"error: the change was made but {applied.Problem}; check with: helm history {record.Release} -n {record.Namespace}; to undo: {record.RestoreCommand}"
                    : $"error: verification failed: {applied.Problem}; to undo: {record.RestoreCommand}");
                break;
        }

        if (applied.Outcome != UnstickOutcome.Fixed)
        {
            return;
        }

        // After the change: the live state again, printed only when it moved (or with -v).
        if (report.LiveNow is { } read)
        {
            if (read.Explained is not { } after)
            {
                run.Say($"  Live now: not known ({read.Error})");
            }
            else if (verbose)
            {
                run.Say("  Live now:");
                WriteObjects(env, run, after);
            }
            else if (!LiveStateText.SameAs(record.Explanation!, after))
            {
                run.Say($"  Live now: {LiveStateText.Grouped(after)}");
            }
        }

        run.Say(report.RetryCiFollows
            ? "Fixed. Re-running the last failed deploy job (--retry-ci):"
            : $"Fixed. Next: re-run the last failed deploy job; {(record.Explanation is { } before ? LiveStateText.NextUpgrade(before) : "expect Helm to report a change (it is one revision behind)")}.");
    }

    /// <summary>The run's last lines: why nothing was changed, or the re-run of the failed deploy job.</summary>
    /// <param name="fixApply">The command that applies this plan, for a dry run's last line.</param>
    public static void WriteEnding(CliEnvironment env, FixRun run, FixReport report, string fixApply)
    {
        var retry = report.Ending == FixEnding.Applied ? report.Record.Retry : null;
        foreach (var warning in retry?.Warnings ?? [])
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        IEnumerable<string> lines = report.Ending switch
        {
            FixEnding.NothingToFix => [$"Nothing to fix: {report.Plan.Before.Summary}"],
            FixEnding.Blocked => ["Blocked: nothing was changed. Resolve the checks marked BLOCKED, or override them with --reason TEXT as their lines say."],
            FixEnding.DryRun => ["Dry run: nothing was changed. To apply:", $"  {fixApply}"],
            FixEnding.NotConfirmed => ["Not confirmed: nothing was changed."],
            FixEnding.ChecksChanged => ["The checks changed while waiting for confirmation; nothing was changed. Run fix again."],
            _ => retry is null ? [] : CiRetryText.Lines(retry),
        };
        foreach (var line in lines)
        {
            run.Say(line);
        }
    }

    private static void WriteObjects(CliEnvironment env, FixRun run, ExplainedRelease explained)
    {
        if (!run.Json)
        {
            ExplanationText.WriteObjects(env, explained, "    ");
        }
    }
}

/// <summary>Where one fix invocation's human text goes: standard output, or nowhere with -o json.</summary>
internal sealed class FixRun(CliEnvironment env, bool json)
{
    public bool Json { get; } = json;

    public void Say(string line)
    {
        if (!Json)
        {
            env.WriteData(line);
        }
    }
}
