using System.CommandLine;
using System.Net;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Cli.Safety;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using k8s.Models;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>fix</c>: the whole runbook. Without <c>--apply</c> it only prints the plan; with it: preflight, backup,
/// change with optimistic concurrency, verify.
/// </summary>
internal sealed class FixCommand(CommonOptions common, CliEnvironment env)
{
    private readonly Argument<string> _release = CommonOptions.Release();
    private readonly SafetyOptions _safety = new();

    private readonly Option<string> _strategy = new Option<string>("--strategy")
    {
        Description = "delete: delete the stuck revision's Secret (the runbook's way; Helm is then one revision behind). " +
                      "mark-failed: set its payload and status label to failed (the revision stays in the history)",
        DefaultValueFactory = _ => "delete",
    }.AcceptOnlyFromAmong("delete", "mark-failed");

    private readonly Option<bool> _apply = new("--apply") { Description = "Make the change (default: print the plan and change nothing)" };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask for confirmation (required with --apply when not at a terminal)" };
    private readonly Option<string?> _backupDir = new("--backup-dir") { HelpName = "DIR", Description = "Where to save the Secret before changing it (default: $XDG_STATE_HOME/helm-unstick/backups/<context>/<namespace>)" };
    private readonly Option<string?> _report = new("--report") { Description = "Also write a Markdown incident note to FILE (mode 0600): timeline, checks, change, backup, revision diff, next steps", HelpName = "FILE" };
    private readonly Option<bool> _showValues = new("--show-values") { Description = "Print user values in the revision diff (hidden by default: they may be passwords)" };
    private readonly Option<string> _output = CommonOptions.Output();

    public Command Build()
    {
        var command = new Command("fix", """
            Unstick one release the runbook's way, never by rollback.
            Without --apply: the plan (each runbook step, the exact Secret, revision and resourceVersion, what Helm will
            believe afterwards, and which objects already run the stuck revision's spec); nothing is changed.
            With --apply: preflight, backup, change, verify, and check the objects against the cluster again.
            -o json prints the plan, checks, outcome and explanation as one object instead of text.
            Exit codes: 0 done and verified (or nothing to fix), 1 blocked by a check (nothing changed), 2 usage error,
            3 cluster/API error (nothing changed), 4 changed but not verified (the message gives the restore command).
            """)
        {
            _release, _strategy, _apply, _yes, _backupDir, _report, _showValues, _output,
        };
        _safety.AddTo(command);
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var apply = result.GetValue(_apply);
        if (apply && !result.GetValue(_yes) && !env.IsInteractive)
        {
            throw new CliException(ExitCodes.Usage, "--apply without a terminal needs --yes; nothing was changed");
        }

        var target = common.Target(result);
        using var session = ClusterSession.Connect(target, env);
        var ns = session.NamespaceOr(target.Namespace);
        var release = result.GetValue(_release)!;
        var run = new FixRun(env, result.GetValue(_output) == "json", new IncidentRecord("fix", release, ns, session.ContextName));
        try
        {
            var code = await PlanAndApplyAsync(result, session, run, ct);
            Finish(result, run, code);
            return code;
        }
        catch (CliException e)
        {
            run.Record.Outcome = $"error: {e.Message}";
            Finish(result, run, e.ExitCode);
            throw;
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            // Unexpected, but the note and the JSON still say how far the run got.
            run.Record.Outcome = $"error: {e.Message}";
            Finish(result, run, ExitCodes.ClusterError);
            throw;
        }
    }

    private async Task<int> PlanAndApplyAsync(ParseResult result, ClusterSession session, FixRun run, CancellationToken ct)
    {
        var record = run.Record;
        var apply = result.GetValue(_apply);
        var release = record.Release;
        var ns = record.Namespace;
        var strategy = result.GetValue(_strategy) == "mark-failed" ? RemediationStrategy.MarkFailed : RemediationStrategy.Delete;
        var store = new ReleaseSecretStore(session, new ReadRetry());
        var preflight = new Preflight(env, session, store, _safety);
        var plan = await preflight.RunAsync(result, release, ns, strategy, ct);
        record.Plan = plan;
        record.Outlook = plan.Before;
        record.Record(env.Now, $"Read {plan.History.Revisions.Count} revision(s) of release {release}: {plan.Before.Summary}");
        foreach (var check in plan.Checks)
        {
            record.Record(env.Now, $"Check \"{check.Title}\": {check.Outcome.ToString().ToLowerInvariant()} - {check.Summary}");
        }

        if (!run.Json)
        {
            Preflight.Render(env.Console, plan);
        }

        if (plan.NothingToFix)
        {
            record.Outcome = $"nothing to fix: {plan.Before.Summary}";
            run.Say($"Nothing to fix: {plan.Before.Summary}");
            return ExitCodes.Ok;
        }

        RenderPlan(run, plan);
        var reader = new LiveObjectReader(session, new ReadRetry());
        await ExplainAsync(result, run, reader, plan, ct);
        if (plan.Blocked)
        {
            record.Outcome = "blocked by a check: nothing was changed";
            run.Say("Blocked: nothing was changed. Resolve the checks marked BLOCKED, or override with a reason.");
            return ExitCodes.Blocked;
        }

        if (!apply)
        {
            record.Outcome = "dry run: nothing was changed";
            run.Say($"Dry run: nothing was changed. To apply: helm-unstick fix {release} -n {ns} --strategy {StrategyName(strategy)} --apply");
            return ExitCodes.Ok;
        }

        if (!result.GetValue(_yes) && env.Confirm?.Invoke($"Apply: {plan.ChangeDescription}?") != true)
        {
            record.Outcome = "not confirmed: nothing was changed";
            run.Say("Not confirmed: nothing was changed.");
            return ExitCodes.Blocked;
        }

        if (!result.GetValue(_yes))
        {
            // The operator may have sat at the prompt for a while: a deploy may have started meanwhile.
            plan = await preflight.RunAsync(result, release, ns, strategy, ct);
            if (plan.Blocked || plan.Target?.ResourceVersion != record.Plan.Target?.ResourceVersion)
            {
                record.Plan = plan;
                record.Outcome = "the checks changed while waiting for confirmation: nothing was changed";
                run.Say("The checks changed while waiting for confirmation; nothing was changed. Run fix again.");
                return ExitCodes.Blocked;
            }
        }

        var code = await ApplyAsync(result, session, store, run, plan, ct);
        if (code == ExitCodes.Ok && record.Explanation is { } explained)
        {
            await VerifyLiveStateAsync(run, reader, explained, ct);
        }

        return code;
    }

    /// <summary>The revision diff and live state are advice: when they cannot be read, the fix itself still proceeds.</summary>
    private async Task ExplainAsync(ParseResult result, FixRun run, LiveObjectReader reader, RemediationPlan plan, CancellationToken ct)
    {
        try
        {
            var (stuck, previous) = ExplainedRelease.ChooseRevisions(plan.History, plan.Target!.Revision);
            var explained = await ExplainedRelease.ReadAsync(reader, plan.History, stuck, previous, result.GetValue(_showValues), ct);
            run.Record.Explanation = explained;
            run.Record.Record(env.Now, $"Compared revision {stuck.Revision} with {(previous is null ? "no previous revision" : $"revision {previous.Revision}")} and the live objects: {explained.Explanation.Summary}");
            if (!run.Json)
            {
                ExplanationText.WriteCompact(env, explained, $"What the cluster runs (revision {stuck.Revision} vs {(previous is null ? "nothing before it" : previous.Revision)})", "    ");
            }
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            run.Record.ExplanationError = e.Message;
            run.Say($"    What the cluster runs: not known ({e.Message})");
        }
    }

    private async Task VerifyLiveStateAsync(FixRun run, LiveObjectReader reader, ExplainedRelease explained, CancellationToken ct)
    {
        try
        {
            var after = await explained.RereadAsync(reader, ct);
            run.Record.Verification = after;
            run.Record.Record(env.Now, $"Compared the live objects again: {after.Explanation.Summary}");
            if (!run.Json)
            {
                ExplanationText.WriteCompact(env, after, "Live state now", "  ");
            }
        }
        catch (Exception e)
        {
            run.Record.ExplanationError = e.Message;
            run.Say($"  Live state now: not known ({e.Message})");
        }
    }

    private void Finish(ParseResult result, FixRun run, int exitCode)
    {
        if (result.GetValue(_report) is { } report)
        {
            try
            {
                IncidentReport.Write(report, IncidentReport.ToMarkdown(run.Record, env.Now));
                run.Say($"  Report: {report}");
            }
            catch (Exception e)
            {
                // The outcome (and any change) stands; a note that could not be written must not hide it.
                env.Error.WriteLine($"warning: the report {report} was not written: {e.Message}");
            }
        }

        if (run.Json)
        {
            var json = IncidentReport.ToJsonObject(run.Record);
            json["exitCode"] = exitCode;
            env.WriteData(json.ToJsonString(Json.Options));
        }
    }

    private async Task<int> ApplyAsync(ParseResult result, ClusterSession session, ReleaseSecretStore store, FixRun run, RemediationPlan plan, CancellationToken ct)
    {
        var record = run.Record;
        var stuck = plan.Target!;
        var reason = result.GetValue(_safety.Reason);

        // Re-read right before the change: what was inspected must still be what is there.
        var secret = await ReadSecretAsync(session, store, stuck, ct);
        if (secret is null || secret.Metadata.Uid != stuck.Uid || secret.Metadata.ResourceVersion != stuck.ResourceVersion)
        {
            throw new CliException(ExitCodes.Blocked,
                $"Secret {stuck.Namespace}/{stuck.SecretName} changed since it was inspected (someone else is working on this release?); nothing was changed, run fix again");
        }

        // Built (and verified by decoding) before anything is written, so an encoding problem changes nothing.
        var markFailed = plan.Strategy == RemediationStrategy.MarkFailed ? MarkFailedChange.Build(stuck, reason, env.Now) : null;

        var backupDir = result.GetValue(_backupDir) ?? SecretBackup.DefaultDirectory(env, session.ContextName, stuck.Namespace);
        var backup = SecretBackup.Write(secret, backupDir, env.Now, new BackupSource(session.ContextName, session.Server));
        record.Backup = backup;
        record.Record(env.Now, $"Backed up Secret {stuck.Namespace}/{stuck.SecretName} to {backup}");
        run.Say($"  Backup: {backup}");

        var reasons = plan.Checks.Where(c => c.Outcome == CheckOutcome.Overridden).Select(c => $"{c.Title}: {c.Summary}").ToList();
        if (CommonOptions.StaleAfterValue(result, _safety.StaleAfter) is var staleAfter && staleAfter < StuckReleaseRule.DefaultStaleAfter)
        {
            // A lowered threshold weakens the "no helm still running" check as much as --force does: record it.
            reasons.Add($"--stale-after lowered to {Durations.Describe(staleAfter)} (default {Durations.Describe(StuckReleaseRule.DefaultStaleAfter)})");
        }

        var audit = new AuditEntry(env.Now, AuditLog.CurrentUser(env), session.ContextName, stuck.Namespace, stuck.SecretName, stuck.Revision,
            StrategyName(plan.Strategy), reasons, "pending", backup);
        var kubeconfig = common.Target(result).Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "";
        var restoreHint = $"helm-unstick restore '{backup}'{kubeconfig} --context '{session.ContextName}' --apply";
        record.RestoreCommand = restoreHint;

        // From here on the change may happen: Ctrl+C no longer interrupts the write, its re-read or the verification,
        // so the operator always learns what state the release is in (each call still has the client's timeout).
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
        catch (Exception e) when (KubeErrors.StatusOf(e) is HttpStatusCode.Conflict)
        {
            AuditLog.Append(env, audit with { Outcome = "refused: changed concurrently" });
            throw new CliException(ExitCodes.Blocked,
                $"the API server refused the change because Secret {stuck.Namespace}/{stuck.SecretName} changed under us ({KubeErrors.ServerMessage(e)}); nothing was changed, run fix again");
        }
        catch (Exception e)
        {
            // The request may or may not have reached the server: never repeat it blindly, re-read and say what is there.
            var (known, now) = await TryReadSecretAsync(store, stuck);
            var unchanged = known && now?.Metadata.ResourceVersion == stuck.ResourceVersion;
            var state = !known ? "the Secret could not be re-read, so its state is unknown"
                : now is null ? "the Secret is gone (the change happened)"
                : unchanged ? "the Secret is unchanged"
                : "the Secret was modified";
            AuditLog.Append(env, audit with { Outcome = $"error: {e.Message}; {state}" });
            if (!unchanged)
            {
                record.Change = $"uncertain: the request to {plan.ChangeDescription} failed with an error; re-read: {state}";
            }

            var translated = KubeErrors.Translate(e, session, $"changing Secret {stuck.Namespace}/{stuck.SecretName}");
            throw new CliException(unchanged ? ExitCodes.ClusterError : ExitCodes.VerificationFailed,
                $"{translated.Message}; re-read: {state}. Backup: {backup}; to undo: {restoreHint}");
        }

        AuditLog.Append(env, audit with { Outcome = "changed" });
        record.Change = plan.ChangeDescription;
        record.Record(env.Now, $"Changed: {plan.ChangeDescription}");
        run.Say($"  Changed: {plan.ChangeDescription}");
        return await VerifyAsync(store, run, plan, restoreHint, committed);
    }

    /// <summary>Re-reads the history: Helm's next operation must be able to proceed, as predicted.</summary>
    private async Task<int> VerifyAsync(ReleaseSecretStore store, FixRun run, RemediationPlan plan, string restoreHint, CancellationToken ct)
    {
        var record = run.Record;
        var d = plan.Diagnosis;
        ReleaseHistory after;
        try
        {
            after = await store.ReadHistoryAsync(d.Release, d.Namespace, ct);
        }
        catch (Exception e)
        {
            env.Error.WriteLine($"error: the change was made but the history could not be re-read ({e.Message}); check with: helm history {d.Release} -n {d.Namespace}; to undo: {restoreHint}");
            record.Outcome = $"changed but not verified: the history could not be re-read ({e.Message})";
            return ExitCodes.VerificationFailed;
        }

        var outlook = HelmOutlook.For(after);
        record.Outlook = outlook;
        var expected = plan.After;
        var stillPending = after.Latest is { } latest && latest.Status.IsPending();
        if (stillPending || outlook.StatusShowsRevision != expected.StatusShowsRevision || outlook.NextRevision != expected.NextRevision)
        {
            env.Error.WriteLine($"error: verification failed: expected \"{expected.Summary}\" but the cluster now says \"{outlook.Summary}\"; to undo: {restoreHint}");
            record.Outcome = $"changed but not verified: expected \"{expected.Summary}\" but the cluster now says \"{outlook.Summary}\"";
            return ExitCodes.VerificationFailed;
        }

        record.Outcome = $"changed and verified: {outlook.Summary}";
        record.Record(env.Now, $"Verified: {outlook.Summary}");
        run.Say($"  Verified: {outlook.Summary}");
        run.Say("  Next: re-run the last failed deploy job; expect Helm to report a change (it is one revision behind) that applies nothing new.");
        return ExitCodes.Ok;
    }

    private static void RenderPlan(FixRun run, RemediationPlan plan)
    {
        run.Say($"  Plan ({StrategyName(plan.Strategy)}): {plan.ChangeDescription}");
        run.Say($"    Before: {plan.Before.Summary}");
        run.Say($"    After:  {plan.After.Summary}");
    }

    private static async Task<V1Secret?> ReadSecretAsync(ClusterSession session, ReleaseSecretStore store, StoredRevision stuck, CancellationToken ct)
    {
        try
        {
            return await store.GetAsync(stuck.Namespace, stuck.SecretName, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"re-reading Secret {stuck.Namespace}/{stuck.SecretName}");
        }
    }

    /// <summary>Re-reads after a failed write; Known is false when even that failed.</summary>
    private static async Task<(bool Known, V1Secret? Secret)> TryReadSecretAsync(ReleaseSecretStore store, StoredRevision stuck)
    {
        try
        {
            return (true, await store.GetAsync(stuck.Namespace, stuck.SecretName, CancellationToken.None));
        }
        catch (Exception)
        {
            return (false, null);
        }
    }

    public static string StrategyName(RemediationStrategy strategy) => strategy == RemediationStrategy.Delete ? "delete" : "mark-failed";
}

/// <summary>One fix invocation: where its human text goes (nowhere with -o json) and what the incident note collects.</summary>
internal sealed class FixRun(CliEnvironment env, bool json, IncidentRecord record)
{
    public bool Json { get; } = json;

    public IncidentRecord Record { get; } = record;

    public void Say(string line)
    {
        if (!Json)
        {
            env.WriteData(line);
        }
    }
}
