using HelmUnstick.Engine.Scan;
using Spectre.Console;

namespace HelmUnstick.Cli.Commands;

/// <summary><c>scan</c>: every stuck release in a namespace or the whole cluster.</summary>
internal sealed class ScanCommand(CommonOptions common, CliEnvironment env)
{

    /// <summary>Clusters scanned at once by --context a,b and --all-contexts: a fleet's answer in the time of its slowest few.</summary>
    private const int ParallelClusters = 8;

    private readonly Option<bool> _allContexts = new("--all-contexts")
    {
        Description = "Scan every context of the kubeconfig, in parallel (at most 8 at a time); --context a,b scans only those",
    };

    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "Scan every namespace" };
    private readonly Option<TimeSpan?> _staleAfter = CommonOptions.StaleAfter();
    private readonly Option<TimeSpan?> _helmTimeout = CommonOptions.HelmTimeout();
    private readonly Option<OutputFormat> _output = CommonOptions.Output();

    private readonly Option<bool> _verifyPayloads = new("--verify-payloads")
    {
        Description = "Decode the newest revision of every release, not only those labelled pending-*, and report each Secret whose labels disagree with its payload",
    };

    private readonly Option<TimeSpan?> _watch = CommonOptions.Duration(
        "--watch",
        "Keep scanning every DURATION (Go duration, e.g. 30s) and print each release that becomes stuck or unstuck, until Ctrl+C",
        "30s",
        positive: true,
        alias: "-w");

    public Command Build()
    {
        var command = new Command("scan", """
            Find releases whose newest revision is pending-install, pending-upgrade or pending-rollback.
            Reads only Secret metadata (paged, server-side label selector): Helm's name, version and status labels tell the
            newest revision of each release and its status, so only releases labelled pending-* (or with missing or malformed
            labels) have their payload read. --verify-payloads reads every release's newest payload and reports label/payload disagreements.
            For each stuck release the objects of its manifest and hooks are read for the verdict: stale (no sign of a live
            helm), possibly-running (a sign: a recent write, something helm would still wait on, a running hook) or unknown
            (a check could not run).
            With --watch DURATION it keeps scanning and prints a line (or, with -o json, a JSON object) each time a release
            becomes stuck, turns stale, or is unstuck, until Ctrl+C (exit 0).
            --context a,b,c or --all-contexts scans several clusters of the kubeconfig in parallel: one table with a CONTEXT
            column (JSON items always carry "context"); a cluster that cannot be reached or read is one line on stderr and the
            others are still reported.
            Exit codes: 0 none stuck, 1 stuck releases found, 2 usage error, 3 API error or an unreadable payload (reported, the scan goes on);
            across contexts, 3 only when no cluster answered.
            """)
        {
            _allNamespaces, _allContexts, _staleAfter, _helmTimeout, _output, _verifyPayloads, _watch,
        };
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var liveness = new LivenessOptions(CommonOptions.StaleAfterValue(result, _staleAfter), result.GetValue(_helmTimeout) ?? LivenessRule.DefaultHelmTimeout);
        var scope = new ScanScope(result.GetValue(_allNamespaces), common.DriverOf(result, env), liveness, result.GetValue(_verifyPayloads));
        var json = result.GetValue(_output) == OutputFormat.Json;
        if (ContextsToScan(result) is { } contexts)
        {
            return await ScanContextsAsync(common.FleetTarget(result), contexts, scope, json, result.GetValue(_watch), ct);
        }

        var target = common.Target(result);
        using var session = ClusterSession.Connect(target, env);
        var ns = scope.AllNamespaces ? null : session.NamespaceOr(target.Namespace);
        var service = new ScanService(session, scope.Driver, env.Clock);
        var request = new ScanRequest(ns, liveness, scope.VerifyPayloads);
        if (result.GetValue(_watch) is { } interval)
        {
            return await WatchAsync(async c => new ScanPassRead(await service.ScanAsync(request, progress: null, c), [], []), interval, json, multipleContexts: false, ct);
        }

        var scan = await ProgressReporter.For(env).RunAsync(
            "Listing release Secrets", progress => service.ScanAsync(request, progress, ct), ct);
        foreach (var line in scan.Unreadable)
        {
            env.Error.WriteLine($"error: {line} (payload cannot be decoded; inspect it before running fix)");
        }

        foreach (var line in scan.Disagreements)
        {
            env.Error.WriteLine($"warning: {line}");
        }

        var findings = scan.Findings;
        if (json)
        {
            env.WriteData(Json.Serialize(findings));
        }
        else if (findings.Count == 0)
        {
            env.WriteData($"No stuck releases among {scan.Releases} release(s) ({scan.Secrets} release Secrets) in {(ns is null ? "all namespaces" : $"namespace {ns}")}.");
        }
        else
        {
            WriteTable(findings, withContext: false);
            env.WriteData($"{findings.Count} stuck release(s) among {scan.Releases}. Next: helm-unstick fix RELEASE -n NAMESPACE");
        }

        return ExitCode(scan);
    }

    private static int ExitCode(ScanResult scan) =>
        scan.Unreadable.Count > 0 ? ExitCodes.ClusterError : scan.Findings.Count > 0 ? ExitCodes.Blocked : ExitCodes.Ok;

    /// <summary>
    /// The contexts of <c>--context a,b</c> or <c>--all-contexts</c>, each checked against the kubeconfig before any
    /// cluster is asked; null for one context (<c>--context NAME</c>, helm's, or the current one).
    /// </summary>
    private IReadOnlyList<string>? ContextsToScan(ParseResult result)
    {
        var listed = result.GetValue(common.Context);
        var all = result.GetValue(_allContexts);
        if (all && listed is not null)
        {
            throw new CliException(ExitCodes.Usage, "--all-contexts scans every context of the kubeconfig; give either it or --context a,b, not both");
        }

        if (!all && listed?.Contains(',', StringComparison.Ordinal) != true)
        {
            return null;
        }

        var target = common.FleetTarget(result);
        var known = ClusterSession.ContextNames(target, env);
        if (all)
        {
            return known;
        }

        var asked = listed!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        var unknown = asked.Where(name => !known.Contains(name, StringComparer.Ordinal)).ToList();
        return unknown.Count == 0
            ? asked
            : throw new CliException(ExitCodes.Usage,
                $"{(unknown.Count == 1 ? "context" : "contexts")} {string.Join(", ", unknown.Select(n => $"\"{n}\""))} not in kubeconfig " +
                $"{ClusterSession.ExplicitKubeconfig(target, env) ?? ClusterSession.DefaultKubeconfig(env)} (contexts: {string.Join(", ", known)})");
    }

    /// <summary>
    /// Scans <paramref name="contexts"/> in parallel (at most <see cref="ParallelClusters"/> at a time). A cluster that
    /// cannot be reached or read is one line on stderr and the others are still reported; exit 3 only when none answered.
    /// </summary>
    private async Task<int> ScanContextsAsync(KubeTarget target, IReadOnlyList<string> contexts, ScanScope scope, bool json, TimeSpan? watch, CancellationToken ct)
    {
        if (watch is { } interval)
        {
            return await WatchAsync(async c =>
            {
                var pass = await ScanEachAsync(target, contexts, scope, progress: null, c);
                var failed = pass.Where(p => p.Failure is not null).ToList();
                return new ScanPassRead(
                    ScanResult.Merge(pass.Select(p => p.Result).OfType<ScanResult>()),
                    [.. failed.Select(p => $"context {p.Context}: {p.Failure}")],
                    [.. failed.Select(p => p.Context)]);
            }, interval, json, multipleContexts: true, ct);
        }

        var scans = await ProgressReporter.For(env).RunAsync(
            $"Scanning {contexts.Count} contexts", progress => ScanEachAsync(target, contexts, scope, progress, ct), ct);
        foreach (var failure in scans.Where(s => s.Failure is not null))
        {
            env.Error.WriteLine($"error: context {failure.Context}: {failure.Failure}");
        }

        var answered = scans.Select(s => s.Result).OfType<ScanResult>().ToList();
        if (answered.Count == 0)
        {
            env.Error.WriteLine($"error: none of the {contexts.Count} contexts could be scanned");
            return ExitCodes.ClusterError;
        }

        var scan = ScanResult.Merge(answered);
        foreach (var line in scan.Unreadable)
        {
            env.Error.WriteLine($"error: {line} (payload cannot be decoded; inspect it before running fix)");
        }

        foreach (var line in scan.Disagreements)
        {
            env.Error.WriteLine($"warning: {line}");
        }

        var where = $"{answered.Count} of {contexts.Count} contexts ({(scope.AllNamespaces ? "all namespaces" : "each context's namespace or -n")})";
        if (json)
        {
            env.WriteData(Json.Serialize(scan.Findings));
        }
        else if (scan.Findings.Count == 0)
        {
            env.WriteData($"No stuck releases among {scan.Releases} release(s) ({scan.Secrets} release Secrets) in {where}.");
        }
        else
        {
            WriteTable(scan.Findings, withContext: true);
            env.WriteData($"{scan.Findings.Count} stuck release(s) among {scan.Releases} in {where}. Next: helm-unstick fix RELEASE -n NAMESPACE --context CONTEXT");
        }

        return ExitCode(scan);
    }

    /// <summary>One scan per context, in parallel; <paramref name="progress"/> hears a line per context.</summary>
    private async Task<IReadOnlyList<ContextScan>> ScanEachAsync(
        KubeTarget target, IReadOnlyList<string> contexts, ScanScope scope, IProgress<string>? progress, CancellationToken ct)
    {
        var lines = new ContextProgressLines(contexts, progress);
        var scans = new ContextScan[contexts.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, contexts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelClusters, CancellationToken = ct },
            async (i, c) =>
            {
                var context = contexts[i];
                try
                {
                    using var session = ClusterSession.Connect(target with { Context = context }, env);
                    var ns = scope.AllNamespaces ? null : session.NamespaceOr(target.Namespace);
                    var scan = await new ScanService(session, scope.Driver, env.Clock).ScanAsync(new ScanRequest(ns, scope.Liveness, scope.VerifyPayloads), lines.For(context), c);
                    scans[i] = new ContextScan(context, scan.InContext(context), null);
                    lines.Report(context, $"{scan.Findings.Count} stuck");
                }
                catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
                {
                    scans[i] = new ContextScan(context, null, e is CliException or EngineException ? e.Message : e.Message.Split('\n')[0]);
                    lines.Report(context, "failed");
                }
            });
        return scans;
    }

    private void WriteTable(IReadOnlyList<StuckReleaseFinding> findings, bool withContext)
    {
        string[] headers = ["NAMESPACE", "RELEASE", "REVISION", "STATUS", "CHART", "APP VERSION", "PENDING FOR", "VERDICT", "SECRET"];
        var table = Tables.Plain(withContext ? ["CONTEXT", .. headers] : headers);
        foreach (var f in findings)
        {
            string[] cells =
            [
                f.Namespace, f.Release, f.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Status, f.Chart,
                f.AppVersion ?? "", f.AgeSeconds is { } age ? Durations.Describe(TimeSpan.FromSeconds(age)) : "unknown",
                f.Verdict, f.SecretName,
            ];
            table.AddRow(withContext ? [f.Context, .. cells] : cells);
        }

        env.Console.Write(table);
    }

    /// <summary>Prints what each pass of the watch saw change, and its failures, until Ctrl+C (exit 0).</summary>
    private async Task<int> WatchAsync(Func<CancellationToken, Task<ScanPassRead>> scanOnce, TimeSpan interval, bool json, bool multipleContexts, CancellationToken ct)
    {
        await foreach (var pass in new ScanWatch(scanOnce, interval, env.Clock).WatchAsync(ct))
        {
            foreach (var failure in pass.Failures)
            {
                env.Error.WriteLine($"error: {failure} (still watching)");
            }

            foreach (var change in pass.Changes)
            {
                Report(change, json, multipleContexts);
            }
        }

        return ExitCodes.Ok;
    }

    private void Report(ScanEvent change, bool json, bool multipleContexts)
    {
        if (json)
        {
            env.WriteData(Json.Serialize(change, Json.Compact));
            return;
        }

        var f = change.Release;
        var context = multipleContexts ? $" --context {f.Context}" : "";
        var what = change.Event switch
        {
            ScanChange.Stuck => $"stuck at revision {f.Revision} ({f.Status}, {f.Verdict})",
            ScanChange.Stale => $"still stuck at revision {f.Revision} ({f.Status}) and now stale: helm-unstick fix {f.Release} -n {f.Namespace}{context}",
            _ => $"no longer stuck (revision {f.Revision} was {f.Status})",
        };
        env.WriteData($"{change.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {(multipleContexts ? $"{f.Context} " : "")}{f.Namespace}/{f.Release}: {what}");
    }
}

/// <summary>What every cluster of a scan is asked.</summary>
internal sealed record ScanScope(bool AllNamespaces, StorageDriver Driver, LivenessOptions Liveness, bool VerifyPayloads);

/// <summary>One context's scan, or why it could not be scanned.</summary>
internal sealed record ContextScan(string Context, ScanResult? Result, string? Failure);

/// <summary>
/// A terminal's status while several clusters are scanned: one line per context with its newest progress, so a
/// slow or hanging cluster is visible among the finished ones.
/// </summary>
internal sealed class ContextProgressLines(IReadOnlyList<string> contexts, IProgress<string>? progress)
{
    private readonly Dictionary<string, string> _lines = contexts.ToDictionary(c => c, _ => "waiting");

    public IProgress<string>? For(string context) => progress is null ? null : new Progress(this, context);

    public void Report(string context, string line)
    {
        if (progress is null)
        {
            return;
        }

        string text;
        lock (_lines)
        {
            _lines[context] = line;
            text = string.Join('\n', contexts.Select(c => $"{c}: {_lines[c]}"));
        }

        progress.Report(text);
    }

    private sealed class Progress(ContextProgressLines lines, string context) : IProgress<string>
    {
        public void Report(string value) => lines.Report(context, value);
    }
}
