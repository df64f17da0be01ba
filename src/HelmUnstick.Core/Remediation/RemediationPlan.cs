using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Workloads;

namespace HelmUnstick.Core.Remediation;

/// <summary>How the stuck revision is taken out of Helm's way. There is deliberately no rollback.</summary>
public enum RemediationStrategy
{
    /// <summary>Delete the stuck revision's Secret (the runbook's way): Helm is one revision behind afterwards.</summary>
    Delete,

    /// <summary>Set the stuck revision's payload and status label to failed: the revision stays in the history.</summary>
    MarkFailed,
}

public enum CheckOutcome
{
    Passed,
    Failed,

    /// <summary>The check failed but the operator overrode it with a recorded reason.</summary>
    Overridden,
}

/// <summary>One of the runbook's checks and the facts it was decided on; the caller puts them into words.</summary>
public abstract record PreflightCheck(CheckOutcome Outcome)
{
    public bool Blocks => Outcome == CheckOutcome.Failed;
}

/// <summary>Runbook step 1: no CI job deploys to the cluster. Either every source's report, or skipped with a reason.</summary>
public sealed record CiQuietCheck(CheckOutcome Outcome, IReadOnlyList<CiSourceReport> Reports, string? SkipReason) : PreflightCheck(Outcome)
{
    public static CiQuietCheck Skipped(string? reason) => new(CheckOutcome.Overridden, [], reason);

    /// <summary>Any report that is not quiet blocks: an unanswered question is not a quiet CI.</summary>
    public static CiQuietCheck From(IReadOnlyList<CiSourceReport> reports) =>
        new(reports.Any(r => r.Blocks) ? CheckOutcome.Failed : CheckOutcome.Passed, reports, null);
}

/// <summary>Runbook step 2: the workloads have reconciled, so nothing else is failing.</summary>
public sealed record WorkloadCheck(CheckOutcome Outcome, IReadOnlyList<WorkloadHealthFinding> Workloads, string? OverrideReason)
    : PreflightCheck(Outcome)
{
    public IReadOnlyList<WorkloadHealthFinding> Unhealthy => Workloads.Where(w => !w.Healthy).ToList();
}

/// <summary>
/// Runbook step 3: no live helm process owns the pending revision, judged from the cluster (see
/// <see cref="LivenessRule"/>); the revision's age stays as evidence. Only a stale verdict passes.
/// </summary>
public sealed record LivenessCheck(CheckOutcome Outcome, StoredRevision Revision, TimeSpan? PendingAge, LivenessAssessment Liveness, string? OverrideReason)
    : PreflightCheck(Outcome);

/// <summary>The operator's explicit overrides; each needs the one reason, which is recorded.</summary>
public sealed record RemediationOverrides(bool Force, bool SkipCiCheck, string? Reason);

public sealed record RemediationPlan(
    ReleaseHistory History,
    ReleaseDiagnosis Diagnosis,
    RemediationStrategy Strategy,
    IReadOnlyList<PreflightCheck> Checks,
    HelmOutlook Before,
    HelmOutlook After,
    StorageDriver Driver)
{
    public StoredRevision? Target => Diagnosis.StuckRevision;

    public bool NothingToFix => Diagnosis.State != ReleaseState.Stuck;

    public bool Blocked => Checks.Any(c => c.Blocks);

    /// <summary>The liveness verdict, when a revision is stuck (and so the cluster was asked).</summary>
    public LivenessAssessment? Liveness => Checks.OfType<LivenessCheck>().FirstOrDefault()?.Liveness;

    public string ChangeDescription => Target is not { } t
        ? "nothing to change"
        : Strategy == RemediationStrategy.Delete
            ? $"delete {Driver.Kind()} {t.Namespace}/{t.ObjectName} (revision {t.Revision}, {t.Status.ToHelmName()}) " +
              $"with preconditions uid={t.Uid} resourceVersion={t.ResourceVersion}"
            : $"update {Driver.Kind()} {t.Namespace}/{t.ObjectName} (revision {t.Revision}): payload status and status label " +
              $"{t.Status.ToHelmName()} -> failed, with resourceVersion={t.ResourceVersion}";
}

public static class RemediationPlanner
{
    /// <param name="ciCheck">Null when CI was not asked, which is only allowed when nothing is stuck.</param>
    /// <param name="liveness">Null when the cluster was not asked, which is only allowed when nothing is stuck.</param>
    public static RemediationPlan Plan(
        ReleaseHistory history,
        ReleaseDiagnosis diagnosis,
        RemediationStrategy strategy,
        IReadOnlyList<WorkloadHealthFinding> workloads,
        CiQuietCheck? ciCheck,
        RemediationOverrides overrides,
        LivenessAssessment? liveness,
        StorageDriver driver)
    {
        // Nothing is changed unless a revision is stuck, so only then is there anything to check.
        var checks = diagnosis.StuckRevision is { } stuck
            ? new List<PreflightCheck>
            {
                ciCheck ?? throw new ArgumentException("a stuck release needs the CI check", nameof(ciCheck)),
                CheckWorkloads(workloads, overrides),
                CheckLiveness(diagnosis, stuck, overrides, liveness ?? throw new ArgumentException("a stuck release needs the liveness verdict", nameof(liveness))),
            }
            : [];

        var after = diagnosis.StuckRevision is { } target ? HelmOutlook.For(Apply(history, target, strategy)) : HelmOutlook.For(history);
        return new(history, diagnosis, strategy, checks, HelmOutlook.For(history), after, driver);
    }

    /// <summary>The history as it will be once the change is made, for predicting what Helm will believe.</summary>
    public static ReleaseHistory Apply(ReleaseHistory history, StoredRevision target, RemediationStrategy strategy) =>
        strategy == RemediationStrategy.Delete
            ? history.Without(target)
            : history.With(target with
            {
                Release = target.Release?.WithStatus(ReleaseStatus.Failed, target.Release.Description),
                Labels = new Dictionary<string, string>(target.Labels) { ["status"] = "failed" },
            });

    private static WorkloadCheck CheckWorkloads(IReadOnlyList<WorkloadHealthFinding> workloads, RemediationOverrides overrides) =>
        workloads.All(w => w.Healthy) ? new(CheckOutcome.Passed, workloads, null)
        : overrides.Force ? new(CheckOutcome.Overridden, workloads, overrides.Reason)
        : new(CheckOutcome.Failed, workloads, null);

    /// <summary>possibly-running and unknown block alike: a check that could not run is never a pass.</summary>
    private static LivenessCheck CheckLiveness(ReleaseDiagnosis diagnosis, StoredRevision stuck, RemediationOverrides overrides, LivenessAssessment liveness) =>
        liveness.Verdict == LivenessVerdict.Stale ? new(CheckOutcome.Passed, stuck, diagnosis.PendingAge, liveness, null)
        : overrides.Force ? new(CheckOutcome.Overridden, stuck, diagnosis.PendingAge, liveness, overrides.Reason)
        : new(CheckOutcome.Failed, stuck, diagnosis.PendingAge, liveness, null);
}
