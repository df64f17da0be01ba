using System.Text.Json.Nodes;
using HelmUnstick.Engine.Explain;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>explain</c>: what Helm will believe once the stuck revision is gone. Compares revision N with the revision Helm
/// diffs from next and checks each object against the cluster. Only reads.
/// </summary>
internal sealed class ExplainCommand(CommonOptions common, CliEnvironment env)
{

    private readonly Option<int?> _revision = new("--revision")
    {
        Description = "The revision to explain (default: the stuck revision, else the newest)",
        HelpName = "N",
        CustomParser = r => CommonOptions.WholeNumber(r, "--revision", minimum: 1),
    };

    private readonly Option<bool> _showValues = new("--show-values")
    {
        Description = "Print user values and the manifest values that may hold them (hidden by default: they may be passwords); a Secret's data is never printed",
    };

    private readonly ReportOptions _report = new("Also write a Markdown incident note to FILE (mode 0600)");

    public Command Build()
    {
        var command = new Command("explain", """
            Explain what Helm will believe after the stuck revision is removed (Helm is then "minus 1 revision").
            Compares revision N (default: the stuck one) with the revision Helm diffs from next, then reads each
            object of both manifests from the cluster: matches-stuck, matches-previous, matches-both, neither or
            missing. Objects that already run N's spec will show as changes in the next dry run. When N is pending and
            the release has a Lease from helm-unstick run, says what it proves and what follows: a live holder
            (possibly-running: it may still finish N) or a holder gone (stale: nothing will). Read-only.
            Exit codes: 0 explained, 2 usage error (release, namespace or revision not found), 3 API error.
            """)
        {
            common.Release, _revision, _showValues, common.ReleaseOutput,
        };
        _report.AddTo(command);
        common.SetClusterAction(command, RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, ClusterSession session, string ns, CancellationToken ct)
    {
        var release = common.ReleaseOf(result);
        var record = new IncidentRecord("explain", release, ns, session.ContextName);
        var store = new KubeReleaseStore(session, common.DriverOf(result, env));

        // The release's Lease is read alongside its revisions: no round trip of its own.
        var leaseRead = new ReleaseLeaseStore(session).ReadEvidenceAsync(ns, release, ct);
        var explained = await ProgressReporter.For(env).RunAsync($"Reading the revisions of release {release}", async progress =>
        {
            var history = await UnstickEngine.ReadHistoryAsync(session, store, release, ns, ct);
            var outlook = HelmOutlook.For(history);
            record.Outlook = outlook;
            record.Record(env.Now, $"Read {history.Revisions.Count} revision(s) of release {release}: {outlook.Summary}");

            var (stuck, previous) = ExplainedRelease.ChooseRevisions(history, result.GetValue(_revision));
            return await ExplainedRelease.ReadAsync(ExplainedRelease.Reader(session, progress), history, stuck, previous, result.GetValue(_showValues), ct);
        }, ct);
        var lease = explained.Stuck.Status.IsPending() ? LeaseRule.Finding(await leaseRead, explained.Stuck.Release!.LastDeployed, env.Now) : null;
        record.Outcome = $"explained revision {explained.Stuck.Revision}; nothing was changed";
        record.Explained(explained, env.Now);

        if (_report.PathOf(result) is not null)
        {
            _report.Write(result, env, IncidentReport.ToMarkdown(record, env.Now));
        }

        if (common.WantsJson(result))
        {
            var json = explained.ToJsonObject();
            json["lease"] = lease is null ? null : new JsonObject
            {
                ["verdict"] = lease.Counts.ToName(),
                ["evidence"] = LivenessText.Line(lease, TimeSpan.Zero, env.Now),
                ["consequence"] = LivenessText.LeaseConsequence(lease, explained.Stuck.Revision),
            };
            env.WriteData(json.ToJsonString(Json.Options));
        }
        else
        {
            ExplanationText.Write(env, explained, result.GetValue(common.Verbose));
            if (lease is not null)
            {
                env.WriteData($"Lease: {lease.Counts.ToName()}: {LivenessText.Line(lease, TimeSpan.Zero, env.Now)}. Consequence: {LivenessText.LeaseConsequence(lease, explained.Stuck.Revision)}.");
            }

            if (_report.PathOf(result) is { } written)
            {
                env.WriteData($"Report: {written}");
            }
        }

        return ExitCodes.Ok;
    }
}
