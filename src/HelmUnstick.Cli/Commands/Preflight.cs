using System.CommandLine;
using HelmUnstick.Cli.Ci;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Core.Workloads;
using Spectre.Console;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// The runbook's checks before Helm's state is touched: CI quiet (step 1), workloads reconciled (step 2), the stuck
/// revision identified and old enough that no helm still owns it (step 3).
/// </summary>
internal sealed class Preflight(CliEnvironment env, ClusterSession session, ReleaseSecretStore store, SafetyOptions options)
{
    public async Task<RemediationPlan> RunAsync(ParseResult result, string release, string ns, RemediationStrategy strategy, CancellationToken ct)
    {
        var history = await ReadHistoryAsync(session, store, release, ns, ct);
        var staleAfter = CommonOptions.StaleAfterValue(result, options.StaleAfter);
        var diagnosis = StuckReleaseRule.Diagnose(history, env.Now, staleAfter);
        if (diagnosis.State == ReleaseState.Unreadable)
        {
            throw new CliException(ExitCodes.ClusterError,
                $"Secret {ns}/{diagnosis.Latest!.SecretName} (revision {diagnosis.Latest.Revision}): payload cannot be decoded ({diagnosis.Latest.DecodeError}); inspect it by hand, nothing was changed");
        }

        var overrides = new RemediationOverrides(result.GetValue(options.Force), result.GetValue(options.SkipCiCheck), result.GetValue(options.Reason));
        if (diagnosis.State != ReleaseState.Stuck)
        {
            // Nothing will be changed, so there is nothing to check (and no permission to ask for).
            return RemediationPlanner.Plan(history, diagnosis, strategy, [], NotAsked, overrides, staleAfter);
        }

        IReadOnlyList<WorkloadStatus> workloads;
        try
        {
            workloads = await new WorkloadReader(session, new ReadRetry()).ReadAsync(ns, ct);
        }
        catch (Exception e) when (e is not CliException && !KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading the workloads in namespace {ns}");
        }

        var ci = await CiCheckAsync(result, overrides, ct);
        return RemediationPlanner.Plan(history, diagnosis, strategy, workloads.Select(WorkloadHealthRule.Evaluate).ToList(), ci, overrides, staleAfter);
    }

    private static readonly PreflightCheck NotAsked = new(CiTitle, CheckOutcome.Passed, "not asked: nothing to fix", []);

    /// <summary>A release's revisions, or one clear line saying whether the release or its namespace is missing.</summary>
    public static async Task<ReleaseHistory> ReadHistoryAsync(ClusterSession session, ReleaseSecretStore store, string release, string ns, CancellationToken ct)
    {
        ReleaseHistory history;
        try
        {
            history = await store.ReadHistoryAsync(release, ns, ct);
        }
        catch (Exception e) when (e is not CliException && !KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading the revisions of release {release} in namespace {ns}");
        }

        if (history.Revisions.Count == 0)
        {
            bool namespaceExists;
            try
            {
                namespaceExists = await store.NamespaceExistsAsync(ns, ct);
            }
            catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
            {
                throw KubeErrors.Translate(e, session, $"reading namespace {ns}");
            }

            throw new CliException(ExitCodes.Usage, namespaceExists
                ? $"release \"{release}\" not found in namespace {ns} (no Secret labelled name={release},owner=helm); list releases with: helm list -a -n {ns}"
                : $"namespace \"{ns}\" not found (context {session.ContextName}); check -n or --context");
        }

        return history;
    }

    private const string CiTitle = "No CI job is deploying to this cluster";

    private async Task<PreflightCheck> CiCheckAsync(ParseResult result, RemediationOverrides overrides, CancellationToken ct)
    {
        if (overrides.SkipCiCheck)
        {
            return new(CiTitle, CheckOutcome.Overridden, $"not checked (--skip-ci-check): {overrides.Reason}", []);
        }

        IReadOnlyList<GitLabSourceSettings> sources;
        try
        {
            sources = CiSettings.Load(session.ContextName, options.CiFlags(result), env.GetEnvironmentVariable);
        }
        catch (CiConfigException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        using var gate = CiGate.ForGitLab(sources, time: env.Clock);
        var wait = result.GetValue(options.WaitForCi);
        var outcome = wait is { } maxWait && sources.Count > 0
            ? await gate.WaitForQuietAsync(maxWait, new Progress<CiWaitProgress>(p =>
                env.Error.WriteLine($"CI still busy after poll {p.Poll} ({(int)p.Elapsed.TotalSeconds}s elapsed, {(int)p.Remaining.TotalSeconds}s left)...")), ct)
            : await gate.CheckAsync(ct);

        var evidence = new List<string>();
        foreach (var report in outcome.Reports)
        {
            var projects = report.Projects.Count > 0 ? $" [{string.Join(", ", report.Projects)}]" : "";
            evidence.Add($"{report.SourceName}{projects}: {report.Verdict.ToString().ToLowerInvariant()}" + (report.Error is { } err ? $": {err}" : ""));
            evidence.AddRange(report.Activities.Select(a =>
                $"  {a.Status} {a.Kind.ToString().ToLowerInvariant()} #{a.Id}" + (a.Kind == CiActivityKind.Pipeline ? "" : $" {a.Name}") +
                (a.Environment is { } environment ? $" (environment {environment})" : "") +
                $" {a.WebUrl}" + (a.Blocks ? $" - blocks: {a.Why}" : $" - {a.Why}")));
        }

        var busy = outcome.Reports.Where(r => r.Verdict == CiVerdict.Busy).Select(r => r.SourceName).ToList();
        var unavailable = outcome.Reports.Where(r => r.Verdict == CiVerdict.Unavailable).Select(r => r.Error ?? r.SourceName).ToList();
        if (!outcome.Blocks)
        {
            return new(CiTitle, CheckOutcome.Passed, $"quiet ({string.Join(", ", outcome.Reports.Select(r => r.SourceName))})", evidence);
        }

        var summary = busy.Count > 0
            ? $"CI is deploying ({string.Join(", ", busy)}); wait for it (--wait-for-ci 10m) or let it finish"
            : $"CI could not be checked: {string.Join("; ", unavailable)}; fix that, or pass --skip-ci-check --reason TEXT";
        return new(CiTitle, CheckOutcome.Failed, summary, evidence);
    }

    public static void Render(IAnsiConsole console, RemediationPlan plan)
    {
        var d = plan.Diagnosis;
        console.Profile.Out.Writer.WriteLine($"Release {d.Release} in namespace {d.Namespace}");
        var step = 1;
        foreach (var check in plan.Checks)
        {
            RenderCheck(console, step++, check);
        }

        if (plan.Target is { } t)
        {
            console.MarkupLineInterpolated($"  [bold]{step}. Stuck revision[/]: {t.Revision} is {t.Status.ToHelmName()} in Secret {t.SecretName} (uid {t.Uid}, resourceVersion {t.ResourceVersion})");
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

    private static void RenderCheck(IAnsiConsole console, int step, PreflightCheck check)
    {
        var (mark, colour) = check.Outcome switch
        {
            CheckOutcome.Passed => ("ok", "green"),
            CheckOutcome.Overridden => ("overridden", "yellow"),
            _ => ("BLOCKED", "red"),
        };
        console.MarkupLineInterpolated($"  [bold]{step}. {check.Title}[/]: [{colour}]{mark}[/] - {check.Summary}");
        foreach (var line in check.Evidence)
        {
            console.Profile.Out.Writer.WriteLine($"       {line}");
        }
    }
}
