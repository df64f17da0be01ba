using System.CommandLine;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using k8s.Models;
using Spectre.Console;

namespace HelmUnstick.Cli.Commands;

/// <summary><c>scan</c>: every stuck release in a namespace or the whole cluster.</summary>
internal sealed class ScanCommand(CommonOptions common, CliEnvironment env)
{
    private const int PageSize = 500;
    private const int ParallelReads = 8;

    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "Scan every namespace" };
    private readonly Option<TimeSpan?> _staleAfter = CommonOptions.StaleAfter();
    private readonly Option<TimeSpan?> _helmTimeout = CommonOptions.HelmTimeout();
    private readonly Option<OutputFormat> _output = CommonOptions.Output();

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
            Reads only Secret metadata (paged, server-side label selector), then the newest revision of each release, and for
            each stuck one the objects of its manifest and hooks, for the verdict: stale (no sign of a live helm),
            possibly-running (a sign: a recent write, something helm would still wait on, a running hook) or unknown
            (a check could not run).
            With --watch DURATION it keeps scanning and prints a line (or, with -o json, a JSON object) each time a release
            becomes stuck, turns stale, or is unstuck, until Ctrl+C (exit 0).
            Exit codes: 0 none stuck, 1 stuck releases found, 2 usage error, 3 API error or an unreadable payload (reported, the scan goes on).
            """)
        {
            _allNamespaces, _staleAfter, _helmTimeout, _output, _watch,
        };
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var target = common.Target(result);
        using var session = ClusterSession.Connect(target, env);
        var ns = result.GetValue(_allNamespaces) ? null : session.NamespaceOr(target.Namespace);
        var store = new ReleaseSecretStore(session, common.DriverOf(result, env));
        var staleAfter = CommonOptions.StaleAfterValue(result, _staleAfter);
        var liveness = new LivenessOptions(staleAfter, result.GetValue(_helmTimeout) ?? LivenessRule.DefaultHelmTimeout);
        var json = result.GetValue(_output) == OutputFormat.Json;
        if (result.GetValue(_watch) is { } interval)
        {
            return await WatchAsync(session, store, ns, liveness, interval, json, ct);
        }

        var scan = await ScanOnceAsync(session, store, ns, liveness, ct);
        foreach (var line in scan.Unreadable)
        {
            env.Error.WriteLine($"error: {line} (payload cannot be decoded; inspect it before running fix)");
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
            var table = Tables.Plain("NAMESPACE", "RELEASE", "REVISION", "STATUS", "CHART", "APP VERSION", "PENDING FOR", "VERDICT", "SECRET");
            foreach (var f in findings)
            {
                table.AddRow([
                    f.Namespace, f.Release, f.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Status, f.Chart,
                    f.AppVersion ?? "", f.AgeSeconds is { } age ? Durations.Describe(TimeSpan.FromSeconds(age)) : "unknown",
                    f.Verdict, f.SecretName,
                ]);
            }

            env.Console.Write(table);
            env.WriteData($"{findings.Count} stuck release(s) among {scan.Releases}. Next: helm-unstick fix RELEASE -n NAMESPACE");
        }

        return scan.Unreadable.Count > 0 ? ExitCodes.ClusterError : findings.Count > 0 ? ExitCodes.Blocked : ExitCodes.Ok;
    }

    /// <summary>
    /// Scans again and again, printing only what changed: a release that became stuck, turned stale or was unstuck.
    /// A failed pass is reported and the watch goes on, as kubectl get -w does.
    /// </summary>
    private async Task<int> WatchAsync(ClusterSession session, ReleaseSecretStore store, string? ns, LivenessOptions liveness, TimeSpan interval, bool json, CancellationToken ct)
    {
        var known = new Dictionary<string, StuckReleaseFinding>();
        try
        {
            while (true)
            {
                try
                {
                    var scan = await ScanOnceAsync(session, store, ns, liveness, ct);
                    var current = scan.Findings.ToDictionary(f => $"{f.Namespace}/{f.Release}");
                    foreach (var (key, finding) in current)
                    {
                        var change = !known.TryGetValue(key, out var before) || before.SecretName != finding.SecretName ? "stuck"
                            : finding.Stale && !before.Stale ? "stale"
                            : null;
                        if (change is not null)
                        {
                            Report(change, finding, json);
                        }
                    }

                    foreach (var (key, finding) in known.Where(k => !current.ContainsKey(k.Key)))
                    {
                        Report("unstuck", finding, json);
                    }

                    known = current;
                }
                catch (CliException e)
                {
                    env.Error.WriteLine($"error: {e.Message} (still watching)");
                }

                await Task.Delay(interval, env.Clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
    }

    private void Report(string change, StuckReleaseFinding f, bool json)
    {
        if (json)
        {
            env.WriteData(System.Text.Json.JsonSerializer.Serialize(new { @event = change, time = env.Now, release = f }, Json.Compact));
            return;
        }

        var what = change switch
        {
            "stuck" => $"stuck at revision {f.Revision} ({f.Status}, {f.Verdict})",
            "stale" => $"still stuck at revision {f.Revision} ({f.Status}) and now stale: helm-unstick fix {f.Release} -n {f.Namespace}",
            _ => $"no longer stuck (revision {f.Revision} was {f.Status})",
        };
        env.WriteData($"{env.Now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {f.Namespace}/{f.Release}: {what}");
    }

    private async Task<ScanResult> ScanOnceAsync(ClusterSession session, ReleaseSecretStore store, string? ns, LivenessOptions liveness, CancellationToken ct)
    {
        var now = env.Now;

        // Only the newest revision of each release decides whether it is stuck, so only its payload is read.
        var newest = new Dictionary<(string Ns, string Release), (int Version, string Secret)>();
        var seen = 0;
        try
        {
            await foreach (var meta in store.ListMetadataAsync(ns, ReleaseSecretStore.HelmOwnerSelector, PageSize, ct))
            {
                seen++;
                var key = (meta.NamespaceProperty, Label(meta, "name"));
                var version = int.TryParse(Label(meta, "version"), out var v) ? v : 0;
                if (!newest.TryGetValue(key, out var current) || version > current.Version)
                {
                    newest[key] = (version, meta.Name);
                }

                if (env.IsInteractive && seen % 5000 == 0)
                {
                    env.Error.WriteLine($"listed {seen} release Secrets...");
                }
            }
        }
        catch (Exception e) when (e is not CliException && !KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, ns is null ? "listing release Secrets in all namespaces" : $"listing release Secrets in namespace {ns}");
        }

        var findings = new List<StuckReleaseFinding>();
        var unreadable = new List<string>();
        await Parallel.ForEachAsync(
            newest.OrderBy(n => n.Key.Ns, StringComparer.Ordinal).ThenBy(n => n.Key.Release, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (entry, c) =>
            {
                V1Secret? secret;
                try
                {
                    secret = await store.GetAsync(entry.Key.Ns, entry.Value.Secret, c);
                }
                catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
                {
                    throw KubeErrors.Translate(e, session, $"reading Secret {entry.Key.Ns}/{entry.Value.Secret}");
                }

                if (secret is null)
                {
                    return; // deleted since it was listed: nothing stuck there any more
                }

                var revision = ReleaseSecretStore.ToStoredRevision(secret);
                var diagnosis = StuckReleaseRule.Diagnose(new ReleaseHistory(entry.Key.Release, entry.Key.Ns, [revision]), now, liveness.StaleAfter);
                var verdict = diagnosis.StuckRevision is { Release: not null } pending
                    // A reader per release: its discovery cache is not shared between the parallel reads.
                    ? await new LivenessEvidenceReader(session).AssessAsync(pending, store.Driver, now, liveness.StaleAfter, liveness.HelmTimeout, c)
                    : null;
                lock (findings)
                {
                    if (diagnosis.State == ReleaseState.Unreadable)
                    {
                        unreadable.Add($"Secret {revision.Namespace}/{revision.SecretName}: {revision.DecodeError}");
                    }
                    else if (diagnosis.StuckRevision is { Release: { } release } stuck && verdict is not null)
                    {
                        findings.Add(new StuckReleaseFinding(
                            stuck.Namespace, diagnosis.Release, stuck.Revision, release.StatusText,
                            $"{release.ChartName}-{release.ChartVersion}", release.AppVersion, release.LastDeployed,
                            (long?)diagnosis.PendingAge?.TotalSeconds, verdict.Verdict == LivenessVerdict.Stale, stuck.SecretName,
                            verdict.Verdict.ToName(), LivenessText.Evidence(verdict)));
                    }
                }
            });

        findings.Sort((a, b) => (a.Namespace, a.Release).CompareTo((b.Namespace, b.Release)));
        unreadable.Sort(StringComparer.Ordinal);
        return new ScanResult(findings, unreadable, newest.Count, seen);
    }

    private static string Label(V1ObjectMeta meta, string key) =>
        meta.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : "";
}

/// <summary>How each stuck release's verdict is computed.</summary>
internal sealed record LivenessOptions(TimeSpan StaleAfter, TimeSpan HelmTimeout);

internal sealed record ScanResult(List<StuckReleaseFinding> Findings, List<string> Unreadable, int Releases, int Secrets);

/// <summary>One stuck release as <c>scan -o json</c> reports it.</summary>
internal sealed record StuckReleaseFinding(
    string Namespace,
    string Release,
    int Revision,
    string Status,
    string Chart,
    string? AppVersion,
    DateTimeOffset? LastDeployed,
    long? AgeSeconds,
    bool Stale,
    string SecretName,
    string Verdict,
    IReadOnlyList<string> Evidence);
