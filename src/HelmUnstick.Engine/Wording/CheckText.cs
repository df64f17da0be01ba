using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Engine.Wording;

/// <summary>The runbook's checks in words, naming the flags that override or tune them.</summary>
internal static class CheckText
{
    public static string Title(PreflightCheck check) => check switch
    {
        CiQuietCheck => "No CI job is deploying to this cluster",
        WorkloadCheck => "Workloads have reconciled",
        LivenessCheck => "No live helm process owns the pending revision",
        _ => throw new ArgumentOutOfRangeException(nameof(check), check.GetType().Name, "unknown check"),
    };

    public static string Summary(PreflightCheck check) => check switch
    {
        CiQuietCheck ci => CiSummary(ci),
        WorkloadCheck workloads => WorkloadSummary(workloads),
        LivenessCheck liveness => LivenessSummary(liveness),
        _ => throw new ArgumentOutOfRangeException(nameof(check), check.GetType().Name, "unknown check"),
    };

    public static IReadOnlyList<string> Evidence(PreflightCheck check) => check switch
    {
        CiQuietCheck ci => ci.Reports.SelectMany(CiEvidence).ToList(),
        WorkloadCheck workloads => workloads.Workloads
            .Select(w => $"{w.Workload.Kind} {w.Workload.Name}: " + (w.Healthy ? w.Evidence : string.Join("; ", w.Problems) + $" [{w.Evidence}]"))
            .ToList(),
        LivenessCheck l =>
        [
            $"revision {l.Revision.Revision} is {l.Revision.Status.ToHelmName()} since {l.Revision.Release?.LastDeployed?.ToString("u") ?? "unknown"} (info.last_deployed), age {Age(l)}",
            .. LivenessText.Evidence(l.Liveness),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(check), check.GetType().Name, "unknown check"),
    };

    /// <summary>How the incident note and the audit log name an outcome.</summary>
    public static string OutcomeName(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "ok",
        CheckOutcome.Overridden => "overridden",
        _ => "BLOCKED",
    };

    /// <summary>A lowered threshold weakens the "no helm still running" check as much as --force does, so it is recorded.</summary>
    public static string StaleAfterLowered(TimeSpan staleAfter, TimeSpan defaultStaleAfter) =>
        $"--stale-after lowered to {Durations.Describe(staleAfter)} (default {Durations.Describe(defaultStaleAfter)})";

    private static string CiSummary(CiQuietCheck ci)
    {
        if (ci.Outcome == CheckOutcome.Overridden)
        {
            return $"not checked (--skip-ci-check): {ci.SkipReason}";
        }

        if (ci.Outcome == CheckOutcome.Passed)
        {
            return $"quiet ({string.Join(", ", ci.Reports.Select(r => r.SourceName))})";
        }

        var busy = ci.Reports.Where(r => r.Verdict == CiVerdict.Busy).Select(r => r.SourceName).ToList();
        var unavailable = ci.Reports.Where(r => r.Verdict == CiVerdict.Unavailable).Select(r => r.Error ?? r.SourceName).ToList();
        return busy.Count > 0
            ? $"CI is deploying ({string.Join(", ", busy)}); wait for it (--wait-for-ci 10m) or let it finish"
            : $"CI could not be checked: {string.Join("; ", unavailable)}; fix that, or pass --skip-ci-check --reason TEXT";
    }

    private static IEnumerable<string> CiEvidence(CiSourceReport report)
    {
        var projects = report.Projects.Count > 0 ? $" [{string.Join(", ", report.Projects)}]" : "";
        yield return $"{report.SourceName}{projects}: {report.Verdict.ToString().ToLowerInvariant()}" + (report.Error is { } err ? $": {err}" : "");
        foreach (var a in report.Activities)
        {
            yield return $"  {a.Status} {KindName(a.Kind)} #{a.Id}" + (a.Kind == CiActivityKind.Pipeline ? "" : $" {a.Name}") +
                         (a.Environment is { } environment ? $" (environment {environment})" : "") +
                         $" {a.WebUrl}" + (a.Blocks ? $" - blocks: {a.Why}" : $" - {a.Why}");
        }

        if (report.LeaseJob is { } job)
        {
            yield return $"  {job.Status} CI job of the release's Lease: {job.Name} {job.WebUrl}" +
                         (job.Blocks ? " - blocks: the deploy it ran under the Lease may still be at work" : " - ended, so the deploy it ran under the Lease is over");
        }
    }

    private static string KindName(CiActivityKind kind) => kind == CiActivityKind.WorkflowRun ? "workflow run" : kind.ToString().ToLowerInvariant();

    private static string WorkloadSummary(WorkloadCheck check)
    {
        if (check.Outcome == CheckOutcome.Passed)
        {
            return $"{check.Workloads.Count} workload(s) up to date";
        }

        var summary = $"{check.Unhealthy.Count} of {check.Workloads.Count} workload(s) look unhealthy: " +
                      string.Join(", ", check.Unhealthy.Select(s => $"{s.Workload.Kind} {s.Workload.Name}"));
        return check.Outcome == CheckOutcome.Overridden
            ? $"{summary}; overridden with --force: {check.OverrideReason}"
            : $"{summary}; investigate them first, or pass --force --reason TEXT";
    }

    private static string LivenessSummary(LivenessCheck check)
    {
        var revision = check.Revision.Revision;
        var verdict = check.Liveness.Verdict;
        if (check.Outcome == CheckOutcome.Passed)
        {
            return $"stale: no sign of a live helm on revision {revision} (pending for {Age(check)})";
        }

        var signs = check.Liveness.Findings.Count(f => f.Counts == verdict);
        var summary = verdict == LivenessVerdict.PossiblyRunning
            ? $"possibly-running: {signs} sign(s) that a helm process still works on revision {revision} (pending for {Age(check)})"
            : $"unknown: {signs} check(s) on revision {revision} could not run, and a check that could not run is never a pass";
        return check.Outcome == CheckOutcome.Overridden
            ? $"{summary}; overridden with --force: {check.OverrideReason}"
            : $"{summary}; wait for helm or its time limit, or pass --force --reason TEXT";
    }

    private static string Age(LivenessCheck check) => check.PendingAge is { } age ? Durations.Describe(age) : "unknown";
}
