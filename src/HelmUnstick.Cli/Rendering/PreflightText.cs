using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using Spectre.Console;

namespace HelmUnstick.Cli.Rendering;

/// <summary>The preflight as a numbered checklist with evidence, as <c>check</c> and <c>fix</c> print it.</summary>
internal static class PreflightText
{
    public static void Write(IAnsiConsole console, RemediationPlan plan)
    {
        var d = plan.Diagnosis;
        console.Profile.Out.Writer.WriteLine($"Release {d.Release} in namespace {d.Namespace}");
        var step = 1;
        foreach (var check in plan.Checks)
        {
            WriteCheck(console, step++, check);
        }

        if (plan.Target is { } t)
        {
            console.MarkupLineInterpolated($"  [bold]{step}. Stuck revision[/]: {t.Revision} is {t.Status.ToHelmName()} in {plan.Driver.Kind()} {t.SecretName} (uid {t.Uid}, resourceVersion {t.ResourceVersion})");
        }
        else
        {
            console.MarkupLineInterpolated($"  [bold]{step}. Stuck revision[/]: none; the newest revision {d.Latest?.Revision} is {d.Latest?.Release?.StatusText}");
        }

        foreach (var anomaly in d.Anomalies)
        {
            console.MarkupLineInterpolated($"     [yellow]note[/]: {anomaly.SecretName}: {anomaly.Message}");
        }
    }

    private static void WriteCheck(IAnsiConsole console, int step, PreflightCheck check)
    {
        var (mark, colour) = check.Outcome switch
        {
            CheckOutcome.Passed => ("ok", "green"),
            CheckOutcome.Overridden => ("overridden", "yellow"),
            _ => ("BLOCKED", "red"),
        };
        console.MarkupLineInterpolated($"  [bold]{step}. {CheckText.Title(check)}[/]: [{colour}]{mark}[/] - {CheckText.Summary(check)}");
        foreach (var line in CheckText.Evidence(check))
        {
            console.Profile.Out.Writer.WriteLine($"       {line}");
        }
    }
}
