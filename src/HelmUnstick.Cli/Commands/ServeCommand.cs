using HelmUnstick.Cli.Serve;
using HelmUnstick.Core.Policy;
using HelmUnstick.Engine.Serve;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>serve</c>: runs in the cluster, watches release Secrets or ConfigMaps (metadata only), exports metrics, and alerts on stuck
/// releases; with <c>--policy</c>, the lease holder also fixes the ones a rule allows, through the same checks as
/// <c>fix --apply</c>.
/// </summary>
internal sealed class ServeCommand(CommonOptions common, CliEnvironment env)
{
    /// <summary>How long shutdown may spend handing the lease over; the whole shutdown stays within 10 s.</summary>
    private static readonly TimeSpan ReleaseLeaseLimit = TimeSpan.FromSeconds(5);

    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "Watch every namespace (default: only the one given with -n, else the context's namespace)" };
    private readonly Option<string?> _policy = new("--policy") { HelpName = "FILE", Description = "Which stuck releases to fix (YAML rules, first match wins). Without it nothing is ever changed: serve only alerts" };

    private readonly Option<string> _metricsAddress = new("--metrics-address")
    {
        HelpName = "HOST:PORT",
        Description = "Where to serve /metrics, /healthz and /readyz",
        DefaultValueFactory = _ => "0.0.0.0:9090",
    };

    private readonly BackupOptions _backups = new("With --backup-store file (the default): where fixes save each Secret first, under <context>/<namespace>/ (default: $XDG_STATE_HOME/helm-unstick/backups)");
    private readonly Option<string?> _leaseNamespace = new("--lease-namespace") { HelpName = "NAMESPACE", Description = "Namespace of the leader-election Lease (default: the pod's namespace, else \"default\")" };

    private readonly Option<string> _leaseName = new("--lease-name")
    {
        HelpName = "NAME",
        Description = "Name of the leader-election Lease; only its holder fixes and writes Events",
        DefaultValueFactory = _ => "helm-unstick",
    };

    private readonly Option<TimeSpan?> _resync = CommonOptions.Duration(
        "--resync", "How often every stuck release is looked at again and a blocked fix retried (Go duration; default 30s)", "30s", positive: true);

    /// <summary>The fix's "no live helm process" window for a rule without its own helmTimeout.</summary>
    private readonly Option<TimeSpan?> _helmTimeout = CommonOptions.HelmTimeout();

    private readonly SafetyOptions _ci = new();

    public Command Build()
    {
        var command = new Command("serve", """
            Run in the cluster: find stuck releases within seconds, export them as metrics, alert, and fix what a policy allows.
            Lists, then watches, release Secrets' metadata (release ConfigMaps' with --driver configmap; no payloads)
            and reads a payload only when a release's newest revision is labelled pending-* or a label is missing or
            malformed. Serves /metrics, /healthz (live while the process answers) and /readyz (ready once the first
            complete list has been read and every release in it looked at once, so that what was stuck at start is
            already exported).
            Replicas elect a leader with a Lease: every replica exports metrics; only the leader writes Kubernetes Events
            (ReleaseStuck, RemediationBlocked, ReleaseUnstuck), prints one JSON line per decision and runs fixes.
            A fix takes the same path as fix --apply (CI quiet, workloads reconciled, stale, backup, preconditions, verify);
            a policy cannot force one. SIGTERM or Ctrl+C: stops watching, finishes a change already started, hands the
            lease over and exits 0.
            """)
        {
            _allNamespaces, _policy, _helmTimeout, _metricsAddress, _leaseNamespace, _leaseName, _resync,
        };
        _backups.AddTo(command);
        foreach (var option in _ci.CiSourceOptions)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.GetValue(_metricsAddress) is { } text && !MetricsAddress.TryParse(text, out _))
            {
                r.AddError($"--metrics-address: '{text}' is not HOST:PORT, for example 0.0.0.0:9090");
            }
        });
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var driver = common.DriverOf(result, env);
        var policy = result.GetValue(_policy) is { } policyFile ? PolicyLoader.Load(policyFile) : RemediationPolicy.AlertOnly;
        MetricsAddress.TryParse(result.GetValue(_metricsAddress)!, out var address);
        var target = common.Target(result);
        using var session = ClusterSession.Connect(target, env);
        var ns = result.GetValue(_allNamespaces) ? null : session.NamespaceOr(target.Namespace);
        var podNamespace = CommonOptions.PodNamespace();
        var leaseNamespace = result.GetValue(_leaseNamespace) ?? podNamespace ?? "default";
        var identity = $"{Environment.MachineName}_{Guid.NewGuid().ToString("N")[..8]}";

        // SIGTERM (the kubelet stopping the pod) and Ctrl+C both arrive as ct (the console host registers them once).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var metrics = new ServeMetrics();
        var store = new KubeReleaseStore(session, driver);
        var watcher = new ReleaseWatcher(session, store, ns, env.Clock, metrics, env.Error);
        StuckReleaseMonitor? monitor = null;
        var leader = new LeaderLease(session, leaseNamespace, result.GetValue(_leaseName)!, identity, metrics, env.Error, env.Clock)
        {
            OnStartedLeading = () => monitor?.RequestResync(),
        };
        var events = new ReleaseEvents(session, driver, identity, env.Clock, env.Error);
        // A backup Secret goes to one namespace; backup files to one folder per release namespace.
        var helmTimeout = result.GetValue(_helmTimeout) ?? LivenessRule.DefaultHelmTimeout;
        var backups = (string releaseNamespace) => _backups.Target(result, root => root is null
            ? BackupFiles.DefaultDirectory(env, session.ContextName, releaseNamespace)
            : BackupFiles.DirectoryUnder(root, session.ContextName, releaseNamespace), podNamespace ?? session.DefaultNamespace);
        var fixer = new ReleaseFixer(session, driver, env, _ci.CiFlags(result), backups, helmTimeout);
        var resync = result.GetValue(_resync) ?? TimeSpan.FromSeconds(30);

        // One evidence reader per resync period: discovery is read at most once per resync, so a kind installed
        // meanwhile (a CRD) is found at the next one.
        (LivenessEvidenceReader Reader, DateTimeOffset Since)? liveness = null;
        LivenessEvidenceReader Liveness()
        {
            if (liveness is not { } current || env.Now - current.Since >= resync)
            {
                liveness = current = (new LivenessEvidenceReader(session), env.Now);
            }

            return current.Reader;
        }

        var leases = new ReleaseLeaseStore(session);
        var evaluator = new ReleaseEvaluator(
            watcher, store, policy, leader, events, metrics, fixer.FixAsync,
            async (stuck, decision, now, c) => await Liveness().ReadFactsAsync(stuck, driver, now, decision.StaleAfter, decision.HelmTimeout ?? helmTimeout,
                await leases.ReadEvidenceAsync(stuck.Namespace, stuck.ReleaseName, c), c),
            env, env.WriteData);
        monitor = new StuckReleaseMonitor(watcher, evaluator, env, resync);
        await using var endpoints = await ServeEndpoints.StartAsync(address!, metrics, () => monitor.FirstLookCompleted.IsCompletedSuccessfully, ct);

        env.Error.WriteLine(
            $"info: serving http://{address}/metrics, /healthz and /readyz; watching release {driver.Kind()}s in {(ns is null ? "all namespaces" : $"namespace {ns}")} " +
            $"of context {session.ContextName}; {(policy.CanFix ? $"policy {result.GetValue(_policy)}: fixes what its rules allow" : "no fix rule: alerting only")}; " +
            $"leader election on {leader.Describe()} as {identity}");

        var running = new[] { watcher.RunAsync(stop.Token), leader.RunAsync(stop.Token), monitor.RunAsync(stop.Token) };
        var code = ExitCodes.Ok;
        try
        {
            await await Task.WhenAny(running);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Asked to stop.
        }
        catch (Exception e)
        {
            env.Error.WriteLine($"error: serve stopped unexpectedly: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            code = ExitCodes.ClusterError;
        }

        // The monitor finishes (and verifies) a change already started before it stops; nothing new starts.
        await stop.CancelAsync();
        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        using var handOver = new CancellationTokenSource(ReleaseLeaseLimit);
        await leader.ReleaseAsync(handOver.Token);
        env.Error.WriteLine("info: stopped");
        return code;
    }
}
