using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Ci;
using HelmUnstick.Engine.Safety;

namespace HelmUnstick.Engine.Unstick;

/// <summary>What to unstick and how: the same for an operator at a terminal and for an unattended caller.</summary>
/// <param name="Operator">Who asks, for the audit log.</param>
/// <param name="HelmTimeout">The <c>--timeout</c> the deploys pass to helm: how long a live helm may wait, per hook and once more.</param>
/// <param name="Backup">Where the Secret is saved before it is changed.</param>
/// <param name="HeldByCaller">Set by <c>run</c>, which holds the release's Lease itself: the Lease as it was before it took it is the evidence.</param>
internal sealed record UnstickRequest(
    string Release,
    string Namespace,
    RemediationStrategy Strategy,
    RemediationOverrides Overrides,
    TimeSpan StaleAfter,
    TimeSpan HelmTimeout,
    BackupTarget Backup,
    CiRequest Ci,
    string Operator,
    HeldLease? HeldByCaller = null);

/// <summary>The caller holds the release's Lease; <paramref name="Before"/> is the Lease as it was before (null: there was none).</summary>
/// <param name="OwnTerm">
/// <paramref name="Before"/> is the caller's own term, just released (<c>run --recover</c>): the CI job it names is the
/// caller's, still running, so it is not asked about.
/// </param>
internal sealed record HeldLease(HelmUnstick.Core.Liveness.ReleaseLease? Before, bool OwnTerm = false);

/// <summary>
/// How CI is asked. The sources are resolved only when a revision is stuck, so a broken CI configuration does not
/// stop a read-only look at a settled release.
/// </summary>
/// <param name="Sources">Resolves the sources; may throw <see cref="CiConfigException"/>.</param>
/// <param name="WaitFor">Keep polling until CI is quiet or this much time has passed; null asks once.</param>
/// <param name="Progress">Told after each poll that found CI still busy.</param>
internal sealed record CiRequest(
    Func<CiSources> Sources,
    TimeSpan? WaitFor = null,
    IProgress<CiWaitProgress>? Progress = null);
