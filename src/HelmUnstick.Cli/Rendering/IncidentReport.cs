using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using HelmUnstick.Core.Explain;

namespace HelmUnstick.Cli.Rendering;

/// <summary>
/// The incident note an on-call engineer pastes into the incident: timeline, each check with its evidence, what was
/// changed and where the backup is, what Helm now believes about the revisions, and what to do next.
/// </summary>
internal static class IncidentReport
{
    public static string ToMarkdown(IncidentRecord record, DateTimeOffset written)
    {
        var text = new StringBuilder();
        text.AppendLine($"# Incident note: Helm release {record.Release} in namespace {record.Namespace}");
        text.AppendLine();
        text.AppendLine($"- Context: {record.Context}");
        text.AppendLine($"- Written: {Time(written)} by `helm-unstick {record.Command}`");
        text.AppendLine($"- Outcome: {record.Outcome}");
        text.AppendLine();

        text.AppendLine("## Timeline");
        text.AppendLine();
        text.AppendLine("| Time (UTC) | Step |");
        text.AppendLine("| --- | --- |");
        foreach (var entry in record.Timeline)
        {
            text.AppendLine($"| {Time(entry.Time)} | {Markdown.Cell(entry.Step)} |");
        }

        text.AppendLine();
        text.AppendLine("## Checks");
        text.AppendLine();
        if (record.Plan is { } plan)
        {
            var step = 1;
            foreach (var check in plan.Checks)
            {
                text.AppendLine($"{step++}. **{CheckText.Title(check)}**: {CheckText.OutcomeName(check.Outcome)} - {CheckText.Summary(check)}");
                foreach (var line in CheckText.Evidence(check))
                {
                    text.AppendLine($"   - {line.Trim()}");
                }
            }

            text.AppendLine(plan.Target is { } t
                ? $"{step}. **Stuck revision**: {t.Revision} is {t.Status.ToHelmName()} in Secret {t.ObjectName} (uid {t.Uid}, resourceVersion {t.ResourceVersion})"
                : $"{step}. **Stuck revision**: none; {plan.Before.Summary}");
        }
        else
        {
            text.AppendLine($"No checks were run: `helm-unstick {record.Command}` only reads.");
        }

        text.AppendLine();
        text.AppendLine("## What was changed");
        text.AppendLine();
        text.AppendLine(record.Change is { } change ? $"- {change}" : "- Nothing was changed.");
        if (record.Backup is { } backup)
        {
            text.AppendLine($"- Backup of the Secret: `{backup}`");
            text.AppendLine($"- To undo: `{record.RestoreCommand}`");
        }

        text.AppendLine();
        if ((record.Verification ?? record.Explanation) is { } explained)
        {
            if (record.Verification is not null)
            {
                text.AppendLine("_The live state below was read again after the change._");
                text.AppendLine();
            }

            if (explained.Previous is null)
            {
                text.AppendLine($"_{explained.Heading}; \"revision 0\" below stands for nothing._");
                text.AppendLine();
            }

            text.Append(ExplanationMarkdown.Render(explained.Explanation));
            text.AppendLine();
        }
        else if (record.ExplanationError is { } error)
        {
            text.AppendLine("## Revision diff");
            text.AppendLine();
            text.AppendLine($"The revisions could not be compared with the cluster: {error}");
            text.AppendLine();
        }

        if (record.Retry is { } retry)
        {
            CiRetryText.AppendMarkdown(text, retry);
        }

        Markdown.AppendList(text, "## What to do next", NextSteps(record));

        return text.ToString();
    }

    public static JsonObject ToJsonObject(IncidentRecord record)
    {
        var plan = record.Plan;
        return new JsonObject
        {
            ["command"] = record.Command,
            ["release"] = record.Release,
            ["namespace"] = record.Namespace,
            ["context"] = record.Context,
            ["outcome"] = record.Outcome,
            ["timeline"] = new JsonArray(record.Timeline.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = e.Time,
                ["step"] = e.Step,
            }).ToArray()),
            ["strategy"] = plan is null ? null : StrategyNames.Of(plan.Strategy),
            ["verdict"] = plan?.Liveness?.Verdict.ToName(),
            ["evidence"] = plan?.Liveness is { } liveness
                ? new JsonArray(LivenessText.Evidence(liveness).Select(line => (JsonNode)JsonValue.Create(line)).ToArray())
                : new JsonArray(),
            ["checks"] = plan is null ? null : new JsonArray(plan.Checks.Select(c => (JsonNode)new JsonObject
            {
                ["title"] = CheckText.Title(c),
                ["outcome"] = CheckText.OutcomeName(c.Outcome),
                ["summary"] = CheckText.Summary(c),
                ["evidence"] = new JsonArray(CheckText.Evidence(c).Select(line => (JsonNode)JsonValue.Create(line.Trim())).ToArray()),
            }).ToArray()),
            ["target"] = plan?.Target is { } t
                ? new JsonObject
                {
                    ["revision"] = t.Revision,
                    ["status"] = t.Status.ToHelmName(),
                    ["secret"] = t.ObjectName,
                    ["uid"] = t.Uid,
                    ["resourceVersion"] = t.ResourceVersion,
                }
                : null,
            ["plannedChange"] = plan?.ChangeDescription,
            ["before"] = plan is null ? null : OutlookJson(plan.Before),
            ["expectedAfter"] = plan is null ? null : OutlookJson(plan.After),
            ["change"] = record.Change,
            ["backup"] = record.Backup,
            ["restoreCommand"] = record.RestoreCommand,
            ["helmNow"] = record.Outlook is { } outlook ? OutlookJson(outlook) : null,
            ["explanation"] = record.Explanation?.ToJsonObject(),
            ["verification"] = record.Verification?.ToJsonObject(),
            ["explanationError"] = record.ExplanationError,
            ["retry"] = record.Retry is { } retry ? CiRetryText.ToJson(retry) : null,
            ["nextSteps"] = new JsonArray(NextSteps(record).Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
        };
    }

    private static IEnumerable<string> NextSteps(IncidentRecord record)
    {
        var explained = record.Verification ?? record.Explanation;
        if (record.Outlook is { } outlook)
        {
            if (outlook.UpgradeCanProceed && record.Retry?.Job is null)
            {
                var revision = explained?.StuckRevision is { } n ? $" (the deploy that left revision {n} pending)" : "";
                yield return $"Re-run the last failed CI job{revision}; `helm upgrade` will create revision {outlook.NextRevision} and diff against revision {outlook.NextUpgradeDiffsAgainst}.";
            }
            else if (outlook.StatusShowsRevision is not null)
            {
                yield return $"Helm still refuses upgrades; remove the stuck revision with `helm-unstick fix {record.Release} -n {record.Namespace}` (add --apply to change it), then re-run the last failed CI job.";
            }

            yield return $"Expect: {outlook.Summary}";
        }

        if (explained?.Explanation.Resources.Any(ReleaseExplainer.IsAlreadyApplied) == true)
        {
            yield return $"The next dry run will list changes that already run on the cluster (revision {explained.StuckRevision}'s spec); validate against the live objects above before calling the incident remediated.";
        }
    }

    private static JsonNode? OutlookJson(HelmOutlook outlook) => JsonSerializer.SerializeToNode(outlook, (JsonTypeInfo<HelmOutlook>)Json.Options.GetTypeInfo(typeof(HelmOutlook)));

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
