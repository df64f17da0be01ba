using System.CommandLine.Parsing;
using HelmUnstick.Cli.Run;
using HelmUnstick.Core.Ci;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>run -- COMMAND</c>: runs a deploy as a child in a process group of its own while holding the release's Lease,
/// passes signals on so that helm records a failure itself, and records on the Lease how the deploy ended.
/// </summary>
internal sealed class RunCommand(CommonOptions common, CliEnvironment env)
{
    private static readonly TimeSpan WaitLogPeriod = TimeSpan.FromSeconds(10);

    private readonly Option<string?> _release = new("--release")
    {
        HelpName = "NAME",
        Description = "The release COMMAND deploys (default: read from helm's arguments; needed when COMMAND is a script)",
    };

    private readonly Option<TimeSpan?> _leaseDuration = CommonOptions.Duration(
        "--lease-duration", "How long the Lease stays held without a renewal (renewed every third of it; Go duration, default 15s)", "15s", positive: true);

    private readonly Option<TimeSpan?> _waitForRelease = CommonOptions.Duration(
        "--wait-for-release", "While another live run holds the release, wait up to this long for it (default 0s: exit 1 at once, naming the holder)", "10m");

    private readonly Option<TimeSpan?> _grace = CommonOptions.Duration(
        "--grace", "After passing SIGTERM, SIGINT or SIGHUP on to COMMAND, kill it if it has not ended within this long (default 30s)", "30s");

    private readonly Option<bool> _recover = new("--recover")
    {
        Description = "When COMMAND is killed by a signal run did not send (OOM, SIGKILL) and the release is left pending, unstick it at once " +
                      "through fix's checks (backup, --strategy, default mark-failed, CI and workload checks)",
    };

    private readonly Option<bool> _unstickStale = new("--unstick-stale")
    {
        Description = "When the release is already pending before COMMAND starts and nothing holds it (verdict stale), fix it first " +
                      "(the checks of fix --apply --yes, with a backup), then run COMMAND",
    };

    private readonly Option<RemediationStrategy> _strategy = CommonOptions.Strategy(RemediationStrategy.MarkFailed);

    private readonly SafetyOptions _safety = new();

    private readonly BackupOptions _backups = new("With --recover or --unstick-stale and --backup-store file (the default): where to save the Secret before changing it (default: $XDG_STATE_HOME/helm-unstick/backups/<context>/<namespace>)");

    private readonly Argument<string[]> _command = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore, Description = "The deploy command and its arguments, after --" };

    public Command Build()
    {
        var command = new Command("run", """
            Run a deploy (helm upgrade --install, install, rollback, uninstall, or a script that calls helm) while holding
            the release's Lease, so that a dead deploy is known at once instead of after --stale-after:
              helm-unstick run -- helm upgrade --install web ./chart -n team-a --wait
            Before COMMAND starts, run takes the coordination.k8s.io/v1 Lease helm-unstick.RELEASE in the release's
            namespace (waiting up to --wait-for-release while another run holds it), and renews it every third of
            --lease-duration. COMMAND runs in a process group of its own, stdin, stdout and stderr passed through;
            SIGTERM, SIGINT and SIGHUP go to that group (so that helm marks the release failed itself), and after
            --grace it is killed. When COMMAND ends, the Lease is released, recording how it ended; scan, check, fix,
            serve and explain read that record. A release already pending before COMMAND starts is left alone
            (exit 1 with the verdict) unless --unstick-stale and nothing holds it; a COMMAND killed by a signal run did
            not send leaves the pending revision provably dead, and --recover unsticks it at once. The release and namespace come from helm's own arguments
            (RELEASE, -n, --kube-context, --kubeconfig, $HELM_NAMESPACE); --release and -n name them for a script.
            run's own messages go to stderr, prefixed "helm-unstick:".
            Exit codes: COMMAND's (128+N when a signal N killed it); 1 the release is held by another run
            (COMMAND not started); 2 usage error; 3 API error before COMMAND started (COMMAND not started);
            5 the Lease was lost while COMMAND ran (COMMAND was sent SIGTERM); 126 COMMAND cannot be executed;
            127 COMMAND not found.
            """)
        {
            _release, _leaseDuration, _waitForRelease, _grace, _recover, _unstickStale, _strategy, _command,
        };
        _safety.AddTo(command);
        _backups.AddTo(command);

        // Everything after -- belongs to COMMAND; without --, helm's flags would be taken for run's own (checked in RunAsync,
        // where the parser's tokens are known).
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        if (!result.Tokens.Any(t => t.Type == TokenType.DoubleDash))
        {
            throw new CliException(ExitCodes.Usage, "run needs -- before COMMAND, e.g. helm-unstick run -- helm upgrade --install web ./chart -n team-a");
        }

        if (result.GetValue(_command) is not { Length: > 0 } argv)
        {
            throw new CliException(ExitCodes.Usage, "run needs a COMMAND after --, e.g. helm-unstick run -- helm upgrade --install web ./chart -n team-a");
        }

        var path = CommandLookup.Resolve(argv[0], env.GetEnvironmentVariable("PATH"));
        var helm = HelmCommandLine.Parse(argv, env.GetEnvironmentVariable);
        var release = ReleaseOf(result, helm);
        var target = common.Target(result);
        target = target with { Context = target.Context ?? helm?.KubeContext, Kubeconfig = target.Kubeconfig ?? helm?.Kubeconfig };

        using var relay = new SignalRelay(env.Clock, result.GetValue(_grace) ?? TimeSpan.FromSeconds(30));
        using var before = CancellationTokenSource.CreateLinkedTokenSource(ct, relay.BeforeStart);
        using var session = ClusterSession.Connect(target, env);
        var ns = session.NamespaceOr(NamespaceOf(result, helm));
        var store = new ReleaseLeaseStore(session);
        var claim = new LeaseClaim(release, ns, Holder(), result.GetValue(_leaseDuration) ?? TimeSpan.FromSeconds(15), helm?.Summary,
            CiJobReference.FromEnvironment(env.GetEnvironmentVariable));

        LeaseAcquisition acquisition;
        try
        {
            acquisition = await ProgressReporter.For(env).RunAsync($"Taking the Lease of release {release} in {ns}", status =>
                DeployLease.AcquireAsync(store, claim, env.Clock, result.GetValue(_waitForRelease) ?? TimeSpan.Zero, new WaitProgress(env, status, release), before.Token), before.Token);
        }
        catch (OperationCanceledException) when (before.IsCancellationRequested)
        {
            env.Error.WriteLine($"helm-unstick: interrupted before COMMAND started; nothing was started");
            return relay.Received is { } signal ? 128 + signal : 130;
        }
        catch (Exception e) when (e is not CliException)
        {
            throw new CliException(ExitCodes.ClusterError, $"{KubeErrors.Describe(e, session, $"taking the Lease of release {release} in namespace {ns}")}; COMMAND was not started");
        }

        if (acquisition.Held is not { } lease)
        {
            var other = acquisition.HeldByOther!;
            throw new CliException(ExitCodes.Blocked,
                $"release {release} in {ns} is held by {HolderText(other)}, renewed {Durations.Describe(env.Now - other.RenewTime!.Value)} ago; " +
                "COMMAND was not started. Wait for it with --wait-for-release DURATION");
        }

        var engine = new UnstickEngine(session, new KubeReleaseStore(session, common.DriverOf(result, env)), env.Clock);
        bool ready;
        try
        {
            ready = await ReadyToStartAsync(result, engine, session, claim, acquisition.Before, before.Token);
        }
        catch (Exception e)
        {
            await lease.ReleaseAsync(new LeaseEnd(env.Now, null, null, null), CancellationToken.None);
            if (e is OperationCanceledException && before.IsCancellationRequested)
            {
                env.Error.WriteLine("helm-unstick: interrupted before COMMAND started; nothing was started");
                return relay.Received is { } signal ? 128 + signal : 130;
            }

            throw;
        }

        if (!ready)
        {
            await lease.ReleaseAsync(new LeaseEnd(env.Now, null, null, null), CancellationToken.None);
            return ExitCodes.Blocked;
        }

        using var stopRenewing = new CancellationTokenSource();
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(path, argv);
        }
        catch (CliException)
        {
            await lease.ReleaseAsync(new LeaseEnd(env.Now, null, null, null), CancellationToken.None);
            throw;
        }

        relay.Attach(child);
        var renewing = lease.RenewAsync(stopRenewing.Token);
        string? lost = null;
        if (await Task.WhenAny(child.Exited, lease.Lost) == lease.Lost && !child.Exited.IsCompleted)
        {
            lost = await lease.Lost;
            env.Error.WriteLine($"helm-unstick: {lost}; sending SIGTERM to COMMAND (another run may take the release now)");
            relay.Stop(Posix.SigTerm);
        }

        var exit = await child.Exited;
        await stopRenewing.CancelAsync();
        await renewing;
        if (relay.KilledAfterGrace)
        {
            env.Error.WriteLine("helm-unstick: COMMAND did not end within --grace after the signal and was killed");
        }

        var latest = await LatestRevisionAsync(session, common.DriverOf(result, env), release, ns);
        var status = latest is null ? "none" : latest.Release?.Status.ToHelmName();

        // Its only holder is gone: a revision still pending after a signal killed COMMAND can no longer be finished by anyone.
        var provablyDead = exit.Signal is not null && latest?.Status.IsPending() == true;
        if (provablyDead)
        {
            env.Error.WriteLine($"helm-unstick: COMMAND was killed by {SignalNames.Of(exit.Signal!.Value)} with revision {latest!.Revision} of release {release} " +
                                $"still {status}: its only holder is gone, so that revision is dead{(result.GetValue(_recover) ? "" : $"; unstick it with: helm-unstick fix {release} -n {ns} --apply (or run with --recover)")}");
        }

        var ended = env.Now;
        if (await lease.ReleaseAsync(new LeaseEnd(ended, exit.ExitCode, exit.Signal is { } s ? SignalNames.Of(s) : null, status), CancellationToken.None) is { } warning)
        {
            env.Error.WriteLine($"helm-unstick: warning: {warning}");
        }

        if (provablyDead && result.GetValue(_recover))
        {
            try
            {
                await UnstickAsync(result, engine, session, release, ns, new HeldLease(lease.AsReleased(ended), OwnTerm: true), "recover", CancellationToken.None);
            }
            catch (Exception e) when (e is UnstickException or CliException)
            {
                // COMMAND's exit code stands; the recovery's failure is said, not turned into run's own.
                env.Error.WriteLine($"helm-unstick: --recover: release {release} stays stuck: {e.Message}");
            }
        }

        if (lost is not null)
        {
            env.Error.WriteLine($"helm-unstick: the Lease was lost while COMMAND ran; COMMAND ended with {exit.Describe()}, release status {status ?? "unknown"}");
            return ExitCodes.LeaseLost;
        }

        return exit.ShellCode;
    }

    /// <summary>
    /// A release already pending before COMMAND starts: helm would refuse it anyway. Stale and <c>--unstick-stale</c>:
    /// fixed first; otherwise the verdict and its evidence, and COMMAND is not started.
    /// </summary>
    private async Task<bool> ReadyToStartAsync(ParseResult result, UnstickEngine engine, ClusterSession session, LeaseClaim claim, ReleaseLease? before, CancellationToken ct)
    {
        StoredRevision? latest;
        try
        {
            latest = (await new KubeReleaseStore(session, common.DriverOf(result, env)).ReadHistoryAsync(claim.Release, claim.Namespace, ct)).Latest;
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw new CliException(ExitCodes.ClusterError, $"{KubeErrors.Describe(e, session, $"reading the revisions of release {claim.Release} in namespace {claim.Namespace}")}; COMMAND was not started");
        }

        if (latest is null || !latest.Status.IsPending())
        {
            return true;
        }

        if (result.GetValue(_unstickStale))
        {
            return await UnstickAsync(result, engine, session, claim.Release, claim.Namespace, new HeldLease(before), "unstick-stale", ct);
        }

        var plan = await engine.PlanAsync(Request(result, session, claim.Release, claim.Namespace, new HeldLease(before)), ProgressReporter.For(env), ct);
        if (plan.NothingToFix)
        {
            return true;
        }

        env.Error.WriteLine($"error: release {claim.Release} in {claim.Namespace} is stuck at revision {plan.Target!.Revision} ({plan.Target.Status.ToHelmName()}), " +
                            $"verdict {plan.Liveness?.Verdict.ToName() ?? "unknown"}; COMMAND was not started" +
                            (plan.Liveness?.Verdict == LivenessVerdict.Stale ? ". Fix it first with --unstick-stale" : ""));
        WriteEvidence(plan);
        return false;
    }

    /// <summary>fix --apply --yes through the engine, with every check; says on stderr how it went. True when fixed (or nothing to fix).</summary>
    private async Task<bool> UnstickAsync(ParseResult result, UnstickEngine engine, ClusterSession session, string release, string ns, HeldLease held, string why, CancellationToken ct)
    {
        var request = Request(result, session, release, ns, held);
        var plan = await engine.PlanAsync(request, ProgressReporter.For(env), ct);
        if (plan.NothingToFix)
        {
            return true;
        }

        if (plan.Blocked)
        {
            env.Error.WriteLine($"helm-unstick: --{why}: release {release} stays stuck at revision {plan.Target!.Revision}, nothing was changed: " +
                                string.Join("; ", plan.Checks.Where(c => c.Blocks).Select(c => $"{CheckText.Title(c)}: {CheckText.Summary(c)}")));
            WriteEvidence(plan);
            return false;
        }

        var applied = await engine.ApplyAsync(request, plan, AuditLog.For(env), ct);
        if (applied.Outcome != UnstickOutcome.Fixed)
        {
            env.Error.WriteLine($"helm-unstick: --{why}: release {release} was not unstuck ({applied.Outcome}): {applied.Problem}" +
                                (applied.Backup is { } kept ? $"; backup {kept}" : ""));
            return false;
        }

        env.Error.WriteLine($"helm-unstick: --{why}: {plan.ChangeDescription}; backup {applied.Backup}; verified: {applied.Verification!.Observed!.Summary}");
        return true;
    }

    private UnstickRequest Request(ParseResult result, ClusterSession session, string release, string ns, HeldLease held) =>
        _safety.Request(result, env, session, release, ns, result.GetValue(_strategy),
            _backups.Target(result, dir => dir ?? BackupFiles.DefaultDirectory(env, session.ContextName, ns), CommonOptions.PodNamespace() ?? session.DefaultNamespace))
        with { HeldByCaller = held };

    private void WriteEvidence(RemediationPlan plan)
    {
        foreach (var line in plan.Liveness is { } liveness ? LivenessText.Evidence(liveness) : [])
        {
            env.Error.WriteLine($"  {line}");
        }
    }

    /// <summary>The release's newest revision as helm will see it, for the Lease's record; null when there is none or it cannot be read.</summary>
    private static async Task<StoredRevision?> LatestRevisionAsync(ClusterSession session, StorageDriver driver, string release, string ns)
    {
        try
        {
            return (await new KubeReleaseStore(session, driver).ReadHistoryAsync(release, ns, CancellationToken.None)).Latest;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private string ReleaseOf(ParseResult result, HelmInvocation? helm)
    {
        var flag = result.GetValue(_release);
        if (flag is not null && helm?.Release is { } named && named != flag)
        {
            throw new CliException(ExitCodes.Usage, $"--release {flag} and helm's release {named} differ; pass one release, nothing was started");
        }

        return flag ?? helm?.Release ?? throw new CliException(ExitCodes.Usage, helm is null
            ? "COMMAND is not helm, so run cannot tell which release it deploys: pass --release NAME (and -n NAMESPACE); nothing was started"
            : $"helm {helm.Subcommand} names no release run can lock: pass --release NAME; nothing was started");
    }

    private string? NamespaceOf(ParseResult result, HelmInvocation? helm)
    {
        var flag = result.GetValue(common.Namespace);
        if (flag is not null && helm?.Namespace is { } named && named != flag)
        {
            throw new CliException(ExitCodes.Usage, $"-n {flag} and helm's namespace {named} differ; pass one namespace, nothing was started");
        }

        return flag ?? helm?.Namespace;
    }

    /// <summary><c>hostname/pid/random</c>: who holds it, told apart from the same host's other runs.</summary>
    private static string Holder() =>
        $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    private static string HolderText(ReleaseLease lease) =>
        $"{lease.HolderIdentity}{(lease.CiJobUrl is { } job ? $" (CI job {job})" : "")}{(lease.Command is { } command ? $" running {command}" : "")}";

    /// <summary>A status line on a terminal; one log line per 10 s otherwise, since a silent wait in a CI log looks like a hang.</summary>
    private sealed class WaitProgress(CliEnvironment env, IProgress<string> status, string release) : IProgress<ReleaseLease>
    {
        private DateTimeOffset? _lastLogged;

        public void Report(ReleaseLease holder)
        {
            var line = $"waiting for release {release}: held by {HolderText(holder)}";
            if (env.ProgressConsole is not null)
            {
                status.Report(line);
            }
            else if (_lastLogged is not { } last || env.Now - last >= WaitLogPeriod)
            {
                _lastLogged = env.Now;
                env.Error.WriteLine($"helm-unstick: {line}");
            }
        }
    }
}
