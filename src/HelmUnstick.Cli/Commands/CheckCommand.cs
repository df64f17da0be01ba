namespace HelmUnstick.Cli.Commands;

/// <summary><c>check</c>: the runbook's preflight alone, as a checklist with evidence. Changes nothing.</summary>
internal sealed class CheckCommand(CommonOptions common, CliEnvironment env)
{
    private readonly SafetyOptions _safety = new();

    public Command Build()
    {
        var command = new Command("check", """
            Run the runbook's preflight for one release and print it as a checklist with evidence:
            CI quiet, workloads reconciled, the stuck revision and whether a helm process may still own it
            (verdict stale, possibly-running or unknown, with the evidence read from the revision's objects).
            Changes nothing. Exit codes: 0 clear to fix (or nothing to fix), 1 blocked, 2 usage error, 3 API error.
            """)
        {
            common.Release, common.ReleaseOutput,
        };
        _safety.AddTo(command);
        common.SetClusterAction(command, RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, ClusterSession session, string ns, CancellationToken ct)
    {
        var request = _safety.Request(result, env, session, common.ReleaseOf(result), ns, RemediationStrategy.Delete, backup: null);
        var plan = await new UnstickEngine(session, new KubeReleaseStore(session, common.DriverOf(result, env)), env.Clock).PlanAsync(request, ProgressReporter.For(env), ct);
        var code = plan.Blocked ? ExitCodes.Blocked : ExitCodes.Ok;
        if (common.WantsJson(result))
        {
            env.WriteData(Json.Serialize(CheckReport.From(plan)));
            return code;
        }

        PreflightText.Write(env.Console, plan, result.GetValue(common.Verbose));
        if (plan.NothingToFix)
        {
            env.WriteData($"Nothing to fix: {plan.Before.Summary}");
        }
        else if (plan.Blocked)
        {
            env.WriteData("Blocked: resolve the checks marked BLOCKED before fixing.");
        }
        else
        {
            env.WriteData($"Clear. Next, to {plan.ChangeDescription}:");
            env.WriteData($"  {NextCommand.FixApply(result)}");
        }

        return code;
    }
}
