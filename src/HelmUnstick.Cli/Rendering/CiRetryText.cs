using System.Text;
using System.Text.Json.Nodes;
using HelmUnstick.Core.Ci;

namespace HelmUnstick.Cli.Rendering;

/// <summary>How a re-run of the failed deploy job reads: the lines printed, its exit code, its JSON and its part of the incident note.</summary>
internal static class CiRetryText
{
    public static IEnumerable<string> Lines(CiRetryReport report)
    {
        if (report.Gate is { Blocks: true } gate)
        {
            yield return "  CI before the retry:";
            foreach (var line in CheckText.Evidence(CiQuietCheck.From(gate.Reports)))
            {
                yield return $"    {line}";
            }
        }

        if (report.Job is { } job)
        {
            var target = job.Of;
            yield return $"  Retried {target.JobName} ({(target.Source == CiSourceKind.GitLab ? $"job {target.JobId}" : $"run {target.JobId}")}, " +
                         $"environment {target.Environment}, {target.Project}): {job.WebUrl}";
        }

        if (report.After is { } after)
        {
            yield return $"  Job {report.Job!.JobId}: {report.Outcome.ToName()}";
            yield return $"  Helm now: {after.Outlook.Summary}";
            if (after.PendingLiveness is { } liveness)
            {
                yield return $"  Verdict: {liveness.Verdict.ToName()}";
                foreach (var line in LivenessText.Evidence(liveness))
                {
                    yield return $"    {line}";
                }
            }
        }

        yield return report.Remediated ? $"Remediated: {report.Summary}"
            : report.Outcome == CiRetryOutcome.Retried ? $"Retried: {report.Summary}"
            : $"Not remediated: {report.Summary}";
    }

    /// <summary>The <c>retry</c> object of <c>-o json</c>: source, project, job, url and outcome, then what explains them.</summary>
    public static JsonObject ToJson(CiRetryReport report) => new()
    {
        ["source"] = report.Job?.Of.Source.ToName(),
        ["project"] = report.Job?.Of.Project,
        ["job"] = report.Job?.JobId,
        ["url"] = report.Job?.WebUrl,
        ["outcome"] = report.Outcome.ToName(),
        ["retriedJob"] = report.Job?.Of.JobId,
        ["environment"] = report.Job?.Of.Environment,
        ["remediated"] = report.Remediated,
        ["searched"] = new JsonArray(report.Searched.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
        ["problem"] = report.Problem,
        ["helmNow"] = report.After?.Outlook.Summary,
        ["verdict"] = report.After?.PendingLiveness?.Verdict.ToName(),
    };

    /// <summary>The incident note's section on the retry.</summary>
    public static void AppendMarkdown(StringBuilder text, CiRetryReport report)
    {
        text.AppendLine("## Re-run of the failed deploy job");
        text.AppendLine();
        text.AppendLine($"- Outcome: {report.Outcome.ToName()}{(report.Remediated ? " (remediated)" : "")}");
        if (report.Job is { } job)
        {
            text.AppendLine($"- Retried: {job.Of.JobName} of environment {job.Of.Environment} in {job.Of.Project} ({job.Of.SourceName}), was {job.Of.WebUrl}");
            text.AppendLine($"- New job: {job.WebUrl}");
        }

        foreach (var searched in report.Searched)
        {
            text.AppendLine($"- Searched: {searched}");
        }

        if (report.Problem is { } problem)
        {
            text.AppendLine($"- Problem: {problem}");
        }

        if (report.After is { } after)
        {
            text.AppendLine($"- Helm now: {after.Outlook.Summary}");
            if (after.PendingLiveness is { } liveness)
            {
                text.AppendLine($"- Verdict: {liveness.Verdict.ToName()}");
            }
        }

        text.AppendLine();
    }
}
