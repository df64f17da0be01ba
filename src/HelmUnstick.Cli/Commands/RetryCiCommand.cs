using System.Text.Json.Nodes;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>retry-ci</c>: the runbook's last step for a fix made earlier: re-run the newest failed deploy job of the
/// environments mapped to this cluster, and follow it to its end.
/// </summary>
internal sealed class RetryCiCommand(CommonOptions common, CliEnvironment env)
{
    private readonly SafetyOptions _safety = new();
    private readonly CiRetryOptions _retry = new();

    public Command Build()
    {
        var command = new Command("retry-ci", """
            Re-run the last failed deploy job of this cluster's CI (the runbook's last step), for a release fixed earlier.
            Refuses (exit 1, nothing retried) while Helm's newest revision is still pending, while a deploy runs or CI
            cannot be asked. Finds the newest failed or canceled deploy job of the mapped environments (GitLab: the
            deployments of each environment, else jobs matching job_patterns; GitHub: the newest deployment whose newest
            status is failure or error, and the workflow run it names), re-runs it once and prints its URL.
            --follow polls it until it ends, then reads the release again.
            Exit codes: 0 re-run (with --follow: the job succeeded and Helm's newest revision is deployed), 1 nothing
            retried (none found, CI busy or unreachable, Helm pending) or the job failed, was canceled, timed out or
            left Helm pending, 2 usage error (also: no CI source mapped), 3 API error.
            """)
        {
            common.Release, common.ReleaseOutput,
        };
        _safety.AddCiSourcesTo(command);
        _retry.AddTo(command, _ => true, "retry-ci");
        common.SetClusterAction(command, RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, ClusterSession session, string ns, CancellationToken ct)
    {
        var release = common.ReleaseOf(result);
        var sources = CiRetryOptions.Sources(_safety, result, env, session, "retry-ci");
        var report = await _retry.RunAsync(result, env, session, common.DriverOf(result, env), sources, _safety, release, ns, ct);
        foreach (var warning in report.Warnings)
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        var code = ExitCodes.For(report);
        if (common.WantsJson(result))
        {
            var json = new JsonObject
            {
                ["release"] = release,
                ["namespace"] = ns,
                ["context"] = session.ContextName,
                ["retry"] = CiRetryText.ToJson(report),
                ["exitCode"] = code,
            };
            env.WriteData(json.ToJsonString(Json.Options));
            return code;
        }

        foreach (var line in CiRetryText.Lines(report))
        {
            env.WriteData(line);
        }

        return code;
    }
}
