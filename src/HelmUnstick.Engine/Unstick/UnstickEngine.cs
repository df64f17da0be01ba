using System.Net;
using HelmUnstick.Core.Ci;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Core.Workloads;
using HelmUnstick.Engine.Ci;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using HelmUnstick.Engine.Storage;
using HelmUnstick.Engine.Wording;
using k8s.Models;

namespace HelmUnstick.Engine.Unstick;

/// <summary>
/// The runbook's safety path, with no console: <see cref="PlanAsync(UnstickRequest, CancellationToken)"/> reads and checks (changes nothing);
/// <see cref="ApplyAsync"/> re-reads, backs up, changes with preconditions, audits and verifies, and says how it ended.
/// Confirming with a person, and checking again after they confirmed, is the caller's business.
/// </summary>
/// <param name="session">The cluster the checks read (workloads, liveness, the Lease) and the one errors name.</param>
/// <param name="store">Where the release's revisions are read and changed; its driver is the driver of the change.</param>
internal sealed class UnstickEngine(ClusterSession session, IReleaseStore store, TimeProvider clock)
{
    private StorageDriver Driver => store.Driver;

    /// <summary>The release's revisions, the diagnosis and, when a revision is stuck, every check with its evidence.</summary>
    /// <exception cref="UnstickException">The release or namespace does not exist, CI is misconfigured, or the cluster cannot be read.</exception>
    public async Task<RemediationPlan> PlanAsync(UnstickRequest request, CancellationToken ct)
    {
        // The release's Lease is read alongside its revisions: no round trip of its own.
        var lease = request.HeldByCaller is { } held ? Task.FromResult(held.Before) : new ReleaseLeaseStore(session).ReadEvidenceAsync(request.Namespace, request.Release, ct);
        var history = await ReadHistoryAsync(session, store, request.Release, request.Namespace, ct);
        var diagnosis = StuckReleaseRule.Diagnose(history, clock.GetUtcNow(), request.StaleAfter);
        if (diagnosis.State == ReleaseState.Unreadable)
        {
            throw new UnstickException(UnstickFailure.ClusterError,
                $"Secret {request.Namespace}/{diagnosis.Latest!.ObjectName} (revision {diagnosis.Latest.Revision}): payload cannot be decoded ({diagnosis.Latest.DecodeError}); inspect it by hand, nothing was changed");
        }

        if (diagnosis.State != ReleaseState.Stuck)
        {
            // Nothing will be changed, so there is nothing to check (and no permission to ask for).
            return RemediationPlanner.Plan(history, diagnosis, request.Strategy, [], null, request.Overrides, null, Driver);
        }

        // The workloads and the liveness evidence are read together: one round trip of the cluster's latency, not two.
        // Unreadable objects become "unknown" evidence inside the reader; only the user's cancellation ends it.
        var workloadsRead = ReadWorkloadsAsync(request.Namespace, ct);
        var livenessRead = new LivenessEvidenceReader(session)
            .AssessAsync(diagnosis.StuckRevision!, Driver, clock.GetUtcNow(), request.StaleAfter, request.HelmTimeout, await lease, ct);
        var workloads = await workloadsRead;
        var liveness = await livenessRead;
        var ci = await CheckCiAsync(request, request.HeldByCaller is { OwnTerm: true } ? null : (await lease)?.CiJob, ct);
        return RemediationPlanner.Plan(history, diagnosis, request.Strategy, workloads.Select(WorkloadHealthRule.Evaluate).ToList(), ci, request.Overrides, liveness, Driver);
    }

    /// <summary>
    /// <see cref="PlanAsync(UnstickRequest, CancellationToken)"/> with its progress shown: while it reads, and a poll line
    /// each time CI is found still busy (a silent ten-minute wait in a CI log looks like a hang).
    /// </summary>
    public Task<RemediationPlan> PlanAsync(UnstickRequest request, IStepProgress progress, CancellationToken ct) =>
        progress.RunAsync($"Checking release {request.Release}: revisions, workloads, CI", status =>
            PlanAsync(request with { Ci = request.Ci with { Progress = new CiPollLines(progress, status) } }, ct), ct);

    private sealed class CiPollLines(IStepProgress progress, IProgress<string> status) : IProgress<CiWaitProgress>
    {
        public void Report(CiWaitProgress poll) =>
            progress.Poll(status, $"CI still busy after poll {poll.Poll} ({Durations.Describe(poll.Elapsed)} elapsed, {Durations.Describe(poll.Remaining)} left)...");
    }

    private async Task<IReadOnlyList<WorkloadStatus>> ReadWorkloadsAsync(string ns, CancellationToken ct)
    {
        try
        {
            return await new WorkloadReader(session).ReadAsync(ns, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw new UnstickException(UnstickFailure.ClusterError, KubeErrors.Describe(e, session, $"reading the workloads in namespace {ns}"));
        }
    }

    /// <summary>
    /// Makes the planned change. Never throws once the change may have started: the result says what state the
    /// Secret is in. Cancellation is honoured only before the backup.
    /// </summary>
    public async Task<UnstickResult> ApplyAsync(UnstickRequest request, RemediationPlan plan, AuditLog audit, CancellationToken ct)
    {
        var events = new List<UnstickEvent>();
        var warnings = new List<string>();
        UnstickResult Result(UnstickOutcome outcome) => new(outcome, plan, events, warnings);
        if (plan.NothingToFix)
        {
            return Result(UnstickOutcome.NothingToFix);
        }

        if (plan.Blocked)
        {
            return Result(UnstickOutcome.Blocked) with { Problem = "a check failed" };
        }

        var stuck = plan.Target!;
        var where = $"{Driver.Kind()} {stuck.Namespace}/{stuck.ObjectName}";

        // Re-read right before the change: what was inspected must still be what is there.
        V1Secret? secret;
        try
        {
            secret = await store.GetAsync(stuck.Namespace, stuck.ObjectName, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return Result(UnstickOutcome.ApiError) with { FailedStep = UnstickStep.Reread, Problem = KubeErrors.Describe(e, session, $"re-reading {where}") };
        }

        if (secret is null || secret.Metadata.Uid != stuck.Uid || secret.Metadata.ResourceVersion != stuck.ResourceVersion)
        {
            return Result(UnstickOutcome.RefusedConcurrentChange) with
            {
                FailedStep = UnstickStep.Reread,
                Problem = $"{where} changed since it was inspected (someone else is working on this release?)",
            };
        }

        // Built (and verified by decoding) before anything is written, so an encoding problem changes nothing.
        var markFailed = plan.Strategy == RemediationStrategy.MarkFailed ? MarkFailedChange.Build(stuck, request.Overrides.Reason, clock.GetUtcNow()) : null;

        // The audit log is opened before the backup and the change: a change that cannot be recorded does not happen.
        AuditWriter log;
        try
        {
            log = audit.Open();
        }
        catch (AuditLogUnavailableException e)
        {
            return Result(UnstickOutcome.ApiError) with { FailedStep = UnstickStep.AuditLog, Problem = e.Message };
        }

        string backup;
        try
        {
            var written = await request.Backup.WriteAsync(session, secret, stuck, Driver, clock.GetUtcNow(), ct);
            backup = written.Location;
            warnings.AddRange(written.Warnings);
        }
        catch (BackupFailedException e)
        {
            return Result(UnstickOutcome.ApiError) with { FailedStep = UnstickStep.Backup, Problem = e.Message };
        }

        events.Add(new(clock.GetUtcNow(), $"Backed up {where} to {backup}"));
        var entry = new AuditEntry(clock.GetUtcNow(), request.Operator, session.ContextName, stuck.Namespace, stuck.ObjectName, stuck.Revision,
            StrategyNames.Of(plan.Strategy), AuditReasons(request, plan), AuditOutcome.Pending, backup);

        // From here on the change may happen: cancellation no longer interrupts the write, its re-read or the
        // verification, so the caller always learns what state the release is in (each call has the client's timeout).
        var committed = CancellationToken.None;
        try
        {
            if (markFailed is null)
            {
                await store.DeleteAsync(stuck, committed);
            }
            else
            {
                secret.Data["release"] = markFailed.Payload;
                secret.Metadata.Labels = new Dictionary<string, string>(markFailed.Labels);
                await store.ReplaceAsync(secret, committed);
            }
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) is HttpStatusCode.Conflict || (markFailed is null && KubeErrors.StatusOf(e) is HttpStatusCode.NotFound))
        {
            // The re-read showed our target, so a 409 (preconditions or resourceVersion) or a DELETE's 404 means another
            // writer changed it in between: this run changed nothing. What the history shows now says whether that
            // writer did what we were about to do.
            var now = await VerifyAsync(plan, committed);
            var answer = $"{(int)KubeErrors.StatusOf(e)!} {KubeErrors.StatusOf(e)}";
            if (now.Verified)
            {
                entry = Audit(log, entry with { Outcome = new(AuditOutcomeKind.ChangedBySomeoneElse, "the history shows the planned result (already fixed)") }, warnings);
                events.Add(new(clock.GetUtcNow(), $"Already fixed by another writer (the API server answered {answer}): {now.Observed!.Summary}"));
                return Result(UnstickOutcome.AlreadyFixed) with { Backup = backup, Audit = entry, Verification = now };
            }

            entry = Audit(log, entry with { Outcome = new(AuditOutcomeKind.ChangedBySomeoneElse, now.Observed is { } seen ? seen.Summary : now.ReadError) }, warnings);
            return Result(UnstickOutcome.ChangedBySomeoneElse) with
            {
                FailedStep = UnstickStep.Write,
                Backup = backup,
                Audit = entry,
                Verification = now,
                Problem = $"{where} was changed by someone else after it was re-read (the API server answered {answer}: {KubeErrors.ServerMessage(e) ?? "no message"}); " +
                          (now.Observed is { } observed ? $"the history now says \"{observed.Summary}\", not the planned \"{plan.After.Summary}\"" : $"the history could not be re-read ({now.ReadError})"),
            };
        }
        catch (Exception e)
        {
            // The request may or may not have reached the server: never repeat it blindly, re-read and say what is there.
            var state = await RereadAfterFailedWriteAsync(stuck);
            entry = Audit(log, entry with { Outcome = new(AuditOutcomeKind.Error, $"{e.Message}; {state.Words()}") }, warnings);
            return Result(state == SecretAfterFailedWrite.Unchanged ? UnstickOutcome.ApiError : UnstickOutcome.ChangedUnverified) with
            {
                FailedStep = UnstickStep.Write,
                AfterFailedWrite = state,
                Backup = backup,
                Audit = entry,
                Problem = KubeErrors.Describe(e, session, $"changing {where}"),
            };
        }

        entry = Audit(log, entry with { Outcome = AuditOutcome.Changed }, warnings);
        events.Add(new(clock.GetUtcNow(), $"Changed: {plan.ChangeDescription}"));
        var verification = await VerifyAsync(plan, committed);
        if (!verification.Verified)
        {
            return Result(UnstickOutcome.ChangedUnverified) with
            {
                FailedStep = UnstickStep.Verification,
                Backup = backup,
                Audit = entry,
                Verification = verification,
                Problem = verification.ReadError is { } error
                    ? $"the history could not be re-read ({error})"
                    : $"expected \"{plan.After.Summary}\" but the cluster now says \"{verification.Observed!.Summary}\"",
            };
        }

        events.Add(new(clock.GetUtcNow(), $"Verified: {verification.Observed!.Summary}"));
        return Result(UnstickOutcome.Fixed) with { Backup = backup, Audit = entry, Verification = verification };
    }

    /// <summary>A release's revisions; a release or namespace that does not exist is an invalid request.</summary>
    public static async Task<ReleaseHistory> ReadHistoryAsync(ClusterSession session, IReleaseStore store, string release, string ns, CancellationToken ct)
    {
        ReleaseHistory history;
        try
        {
            history = await store.ReadHistoryAsync(release, ns, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw new UnstickException(UnstickFailure.ClusterError, KubeErrors.Describe(e, session, $"reading the revisions of release {release} in namespace {ns}"));
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
                throw new UnstickException(UnstickFailure.ClusterError, KubeErrors.Describe(e, session, $"reading namespace {ns}"));
            }

            throw new UnstickException(UnstickFailure.InvalidRequest, namespaceExists
                ? $"release \"{release}\" not found in namespace {ns} (no Secret labelled name={release},owner=helm); list releases with: helm list -a -n {ns}"
                : $"namespace \"{ns}\" not found (context {session.ContextName}); check -n or --context");
        }

        return history;
    }

    /// <param name="leaseJob">The CI job the release's Lease names: still running, it blocks; ended, it is evidence.</param>
    private async Task<CiQuietCheck> CheckCiAsync(UnstickRequest request, CiJobReference? leaseJob, CancellationToken ct)
    {
        if (request.Overrides.SkipCiCheck)
        {
            return CiQuietCheck.Skipped(request.Overrides.Reason);
        }

        CiSources sources;
        try
        {
            sources = request.Ci.Sources();
        }
        catch (CiConfigException e)
        {
            throw new UnstickException(UnstickFailure.InvalidRequest, e.Message);
        }

        using var gate = CiGate.For(sources, time: clock);
        var outcome = request.Ci.WaitFor is { } maxWait && sources.Count > 0
            ? await gate.WaitForQuietAsync(maxWait, request.Ci.Progress, ct, leaseJob: leaseJob)
            : await gate.CheckAsync(ct, leaseJob);
        return CiQuietCheck.From(outcome.Reports);
    }

    private static List<string> AuditReasons(UnstickRequest request, RemediationPlan plan)
    {
        var reasons = plan.Checks.Where(c => c.Outcome == CheckOutcome.Overridden).Select(c => $"{CheckText.Title(c)}: {CheckText.Summary(c)}").ToList();
        if (request.StaleAfter < StuckReleaseRule.DefaultStaleAfter)
        {
            reasons.Add(CheckText.StaleAfterLowered(request.StaleAfter, StuckReleaseRule.DefaultStaleAfter));
        }

        return reasons;
    }

    private static AuditEntry Audit(AuditWriter log, AuditEntry entry, List<string> warnings)
    {
        if (log.Append(entry) is { } problem)
        {
            warnings.Add(problem);
        }

        return entry;
    }

    private async Task<SecretAfterFailedWrite> RereadAfterFailedWriteAsync(StoredRevision stuck)
    {
        try
        {
            var now = await store.GetAsync(stuck.Namespace, stuck.ObjectName, CancellationToken.None);
            return now is null ? SecretAfterFailedWrite.Gone
                : now.Metadata.ResourceVersion == stuck.ResourceVersion ? SecretAfterFailedWrite.Unchanged
                : SecretAfterFailedWrite.Modified;
        }
        catch (Exception)
        {
            return SecretAfterFailedWrite.Unknown;
        }
    }

    /// <summary>Re-reads the history: Helm's next operation must be able to proceed, as predicted.</summary>
    private async Task<UnstickVerification> VerifyAsync(RemediationPlan plan, CancellationToken ct)
    {
        try
        {
            var after = await store.ReadHistoryAsync(plan.Diagnosis.Release, plan.Diagnosis.Namespace, ct);
            var observed = HelmOutlook.For(after);
            var stillPending = after.Latest is { } latest && latest.Status.IsPending();
            var expected = plan.After;
            return new(observed, null, !stillPending && observed.StatusShowsRevision == expected.StatusShowsRevision && observed.NextRevision == expected.NextRevision);
        }
        catch (Exception e)
        {
            return new(null, KubeErrors.Describe(e, session, $"re-reading the revisions of release {plan.Diagnosis.Release} in namespace {plan.Diagnosis.Namespace}"), false);
        }
    }
}
