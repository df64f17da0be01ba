using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Ci;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Unstick;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// A policy's fix through the same engine as <c>fix --apply</c>: CI per the CI config, workload health, staleness,
/// backup, a write with preconditions, verification. A policy has no force; its skipCiCheck carries a reason.
/// </summary>
/// <param name="backups">Where the backup of a release in the given namespace goes.</param>
/// <param name="helmTimeout">Helm's <c>--timeout</c> for a rule that gives no helmTimeout: <c>serve --helm-timeout</c>.</param>
internal sealed class ReleaseFixer(
    ClusterSession session, StorageDriver driver, HostEnvironment env, CiFlags ciFlags, Func<string, BackupTarget> backups, TimeSpan helmTimeout)
{
    /// <summary>Who the audit log names as having made the change.</summary>
    private const string Operator = "helm-unstick serve";

    private readonly UnstickEngine _engine = new(session, new KubeReleaseStore(session, driver), env.Clock);

    public async Task<FixAttempt?> FixAsync(StoredRevision stuck, PolicyDecision decision, CancellationToken ct)
    {
        // The engine, like Helm, finds a release's revisions by their name label; this one it would never see.
        if (stuck.Labels.GetValueOrDefault("name") != stuck.ReleaseName)
        {
            return new FixAttempt(RemediationOutcome.Blocked,
                [$"{driver.Kind()} {stuck.Namespace}/{stuck.ObjectName} is not labelled name={stuck.ReleaseName}: Helm's history and fix do not find it; inspect it by hand"],
                null, Changed: false);
        }

        var request = new UnstickRequest(
            stuck.ReleaseName,
            stuck.Namespace,
            decision.Strategy,
            new RemediationOverrides(Force: false, decision.SkipCiCheck, decision.Reason),
            decision.StaleAfter,
            decision.HelmTimeout ?? helmTimeout,
            backups(stuck.Namespace),
            new CiRequest(() => CiSettings.Load(session.ContextName, ciFlags, env.GetEnvironmentVariable).MaskingTokens(env.Secrets)),
            Operator);

        RemediationPlan plan;
        try
        {
            plan = await _engine.PlanAsync(request, ct);
        }
        catch (UnstickException e)
        {
            return new FixAttempt(RemediationOutcome.Failed, [e.Message], null, Changed: false);
        }

        // Someone (helm, a person, the previous leader) changed the release since it was seen stuck.
        if (plan.NothingToFix || plan.Target?.ObjectName != stuck.ObjectName)
        {
            return null;
        }

        var outcome = await _engine.ApplyAsync(request, plan, AuditLog.For(env), ct);
        foreach (var warning in outcome.Warnings)
        {
            env.Error.WriteLine($"warning: {warning}");
        }

        if (outcome.Outcome.Meaning() is not { Remediation: { } result } meaning)
        {
            return null;
        }

        IReadOnlyList<string> reasons = outcome.Outcome switch
        {
            UnstickOutcome.Fixed => Overrides(plan).Append(plan.After.Summary).ToList(),
            UnstickOutcome.Blocked => plan.Checks.Where(c => c.Blocks).Select(c => $"{CheckText.Title(c)}: {CheckText.Summary(c)}").ToList(),
            UnstickOutcome.RefusedConcurrentChange or UnstickOutcome.ChangedBySomeoneElse => [outcome.Problem ?? $"the {driver.Kind()} changed concurrently"],
            UnstickOutcome.ChangedUnverified => [outcome.Problem ?? "changed but not verified"],
            _ => [outcome.Problem ?? outcome.Outcome.ToString()],
        };
        return new FixAttempt(result, reasons, result == RemediationOutcome.Blocked ? null : outcome.Backup, meaning.Changed) { Liveness = plan.Liveness };
    }

    private static IEnumerable<string> Overrides(RemediationPlan plan) =>
        plan.Checks.Where(c => c.Outcome == CheckOutcome.Overridden).Select(c => $"{CheckText.Title(c)}: {CheckText.Summary(c)}");
}
