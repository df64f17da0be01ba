using System.CommandLine;
using HelmUnstick.Engine.Explain;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Unstick;

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
            missing. Objects that already run N's spec will show as changes in the next dry run. Read-only.
            Exit codes: 0 explained, 2 usage error (release, namespace or revision not found), 3 API error.
            """)
        {
            common.Release, _revision, _showValues, common.ReleaseOutput,
        };
        _report.AddTo(command);
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var (session, ns) = common.Connect(result, env);
        using var _ = session;
        var release = common.ReleaseOf(result);
        var record = new IncidentRecord("explain", release, ns, session.ContextName);
        var store = new KubeReleaseStore(session, common.DriverOf(result, env));
        var explained = await ProgressReporter.For(env).RunAsync($"Reading the revisions of release {release}", async progress =>
        {
            var history = await UnstickEngine.ReadHistoryAsync(session, store, release, ns, ct);
            var outlook = HelmOutlook.For(history);
            record.Outlook = outlook;
            record.Record(env.Now, $"Read {history.Revisions.Count} revision(s) of release {release}: {outlook.Summary}");

            var (stuck, previous) = ExplainedRelease.ChooseRevisions(history, result.GetValue(_revision));
            return await ExplainedRelease.ReadAsync(ExplainedRelease.Reader(session, progress), history, stuck, previous, result.GetValue(_showValues), ct);
        }, ct);
        record.Explanation = explained;
        record.Outcome = $"explained revision {explained.Stuck.Revision}; nothing was changed";
        record.Record(env.Now, $"Compared revision {explained.Stuck.Revision} with {(explained.Previous is { } previous ? $"revision {previous.Revision}" : "no previous revision")} and the live objects: {explained.Explanation.Summary}");

        if (_report.PathOf(result) is not null)
        {
            _report.Write(result, env, IncidentReport.ToMarkdown(record, env.Now));
        }

        if (common.WantsJson(result))
        {
            env.WriteData(explained.ToJsonObject().ToJsonString(Json.Options));
        }
        else
        {
            ExplanationText.Write(env, explained, result.GetValue(common.Verbose));
            if (_report.PathOf(result) is { } written)
            {
                env.WriteData($"Report: {written}");
            }
        }

        return ExitCodes.Ok;
    }
}
