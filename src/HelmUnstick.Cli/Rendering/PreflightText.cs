using Spectre.Console;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// The preflight as <c>check</c> and <c>fix</c> print it: the decision first, then one line per runbook step with its
/// state. Evidence is printed for a blocked or overridden step always, for every step with <c>-v</c>.
/// </summary>
internal static class PreflightText
{
    /// <summary>Where evidence lines start: under the step's text, after the state column.</summary>
    private static readonly string Indent = new(' ', 2 + Marks.ColumnWidth + 4);

    public static void Write(IAnsiConsole console, RemediationPlan plan, bool verbose)
    {
        var d = plan.Diagnosis;
        console.MarkupLine($"Release {Markup.Escape(d.Release)} in namespace {Markup.Escape(d.Namespace)}: {Decision(console, plan)}");
        var step = 1;
        foreach (var check in plan.Checks)
        {
            var evidence = CheckText.Evidence(check);
            var shown = verbose || check.Outcome != CheckOutcome.Passed;
            var hidden = shown || evidence.Count == 0 ? "" : $" (-v: {evidence.Count} more {(evidence.Count == 1 ? "line" : "lines")})";
            console.MarkupLine($"  {Marks.Column(console, StateOf(check.Outcome))} {step++}. {Markup.Escape($"{CheckText.Title(check)}: {CheckText.Summary(check)}{hidden}")}");
            if (shown)
            {
                foreach (var line in evidence)
                {
                    console.Profile.Out.Writer.WriteLine($"{Indent}{line}");
                }
            }
        }

        if (verbose && plan.Target is { } t)
        {
            console.Profile.Out.Writer.WriteLine($"  {new string(' ', Marks.ColumnWidth)} {step}. Stuck revision: {t.Revision} is {t.Status.ToHelmName()} in {plan.Driver.Kind()} {t.ObjectName} (uid {t.Uid}, resourceVersion {t.ResourceVersion})");
        }

        foreach (var anomaly in d.Anomalies)
        {
            console.MarkupLine($"  {Marks.Column(console, Mark.Warning)} {Markup.Escape($"{anomaly.ObjectName}: {anomaly.Message}")}");
        }
    }

    private static string Decision(IAnsiConsole console, RemediationPlan plan)
    {
        if (plan.NothingToFix)
        {
            var latest = plan.Diagnosis.Latest;
            return $"{Marks.Markup(console, Mark.Ok, "nothing to fix")}; the newest revision {latest?.Revision} is {Markup.Escape(latest?.Release?.StatusText ?? "unreadable")}";
        }

        var t = plan.Target!;
        if (plan.Blocked)
        {
            var failed = plan.Checks.Count(c => c.Blocks);
            return $"{Marks.Markup(console, Mark.Blocked)}; revision {t.Revision} is stuck in {t.Status.ToHelmName()}, but {failed} {(failed == 1 ? "check fails" : "checks fail")}";
        }

        var age = plan.Checks.OfType<LivenessCheck>().FirstOrDefault()?.PendingAge is { } pending ? $" for {Durations.Describe(pending)}" : "";
        return $"{Marks.Markup(console, Mark.Ok, "clear to fix")}; revision {t.Revision} has been stuck in {t.Status.ToHelmName()}{age}";
    }

    private static Mark StateOf(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => Mark.Ok,
        CheckOutcome.Overridden => Mark.Overridden,
        _ => Mark.Blocked,
    };
}
