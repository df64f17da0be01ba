using System.Globalization;

namespace HelmUnstick.Cli.Commands;

/// <summary><c>history</c>: like <c>helm history</c>, marking the stuck revision and anything Helm would trip over.</summary>
internal sealed class HistoryCommand(CommonOptions common, CliEnvironment env)
{
    private readonly Option<TimeSpan?> _staleAfter = CommonOptions.StaleAfter();

    public Command Build()
    {
        var command = new Command("history", """
            Show a release's revisions like 'helm history', read from the release Secrets, marking the stuck revision,
            unreadable payloads and status labels that disagree with the payload.
            Exit codes: 0 not stuck, 1 stuck, 2 usage error (release or namespace not found), 3 API error.
            """)
        {
            common.Release, _staleAfter, common.ReleaseOutput,
        };
        common.SetClusterAction(command, RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, ClusterSession session, string ns, CancellationToken ct)
    {
        var store = new KubeReleaseStore(session, common.DriverOf(result, env));
        var history = await UnstickEngine.ReadHistoryAsync(session, store, common.ReleaseOf(result), ns, ct);
        var diagnosis = StuckReleaseRule.Diagnose(history, env.Now, CommonOptions.StaleAfterValue(result, _staleAfter));
        var rows = history.Revisions.Select(r => new HistoryRow(
            r.Revision,
            r.Release?.LastDeployed,
            r.Release?.StatusText ?? "unreadable",
            r.LabelStatus,
            r.Release is { } rel ? $"{rel.ChartName}-{rel.ChartVersion}" : "",
            r.Release?.AppVersion,
            r.Release?.Description ?? r.DecodeError ?? "",
            r.ObjectName,
            diagnosis.StuckRevision?.ObjectName == r.ObjectName)).ToList();

        if (common.WantsJson(result))
        {
            env.WriteData(Json.Serialize(rows));
        }
        else
        {
            var table = Tables.Plain("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION", "");
            foreach (var row in rows)
            {
                var note = row.Stuck ? "<- stuck" + (diagnosis.IsStale ? "" : " (young: a helm process may still own it)")
                    : row.LabelStatus is { } label && label != row.Status ? $"<- label says {label}" : "";
                table.AddRow([
                    row.Revision.ToString(CultureInfo.InvariantCulture),
                    row.Updated?.UtcDateTime.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture) ?? "",
                    row.Status, row.Chart, row.AppVersion ?? "", row.Description, note,
                ]);
            }

            env.Console.Write(table);
            foreach (var anomaly in diagnosis.Anomalies)
            {
                env.WriteData($"note: {anomaly.ObjectName}: {anomaly.Message}");
            }
        }

        return diagnosis.State == ReleaseState.Stuck ? ExitCodes.Blocked : ExitCodes.Ok;
    }
}
