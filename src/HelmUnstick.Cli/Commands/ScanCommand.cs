using System.CommandLine;
using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Wording;
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
            Exit codes: 0 none stuck, 1 stuck releases found, 2 usage error, 3 API error or an unreadable payload (reported, the scan goes on).
            """)
        {
            _allNamespaces, _staleAfter, _helmTimeout, _output, _verifyPayloads, _watch,
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
        var liveness = new LivenessOptions(CommonOptions.StaleAfterValue(result, _staleAfter), result.GetValue(_helmTimeout) ?? LivenessRule.DefaultHelmTimeout);
        var json = result.GetValue(_output) == OutputFormat.Json;
        var verifyPayloads = result.GetValue(_verifyPayloads);
        if (result.GetValue(_watch) is { } interval)
        {
            return await WatchAsync(session, store, ns, liveness, verifyPayloads, interval, json, ct);
        }

        var scan = await ProgressReporter.For(env).RunAsync(
            "Listing release Secrets", progress => ScanOnceAsync(session, store, ns, liveness, verifyPayloads, progress, ct), ct);
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
    private async Task<int> WatchAsync(ClusterSession session, ReleaseSecretStore store, string? ns, LivenessOptions liveness, bool verifyPayloads, TimeSpan interval, bool json, CancellationToken ct)
    {
        var known = new Dictionary<string, StuckReleaseFinding>();
        try
        {
            while (true)
            {
                try
                {
                    var scan = await ScanOnceAsync(session, store, ns, liveness, verifyPayloads, progress: null, ct);
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
                catch (EngineException e)
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
            env.WriteData(Json.Serialize(new ScanEvent(change, env.Now, f), Json.Compact));
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

    /// <param name="progress">Hears each page listed and each payload read (a terminal's status line).</param>
    private async Task<ScanResult> ScanOnceAsync(
        ClusterSession session, ReleaseSecretStore store, string? ns, LivenessOptions options, bool verifyPayloads, IProgress<string>? progress, CancellationToken ct)
    {
        var now = env.Now;

        // The labels decide which payloads are worth reading: one metadata-only list, then one GET per candidate.
        var triage = new LabelTriage();
        var seen = 0;
        try
        {
            await foreach (var listed in store.ListMetadataAsync(ns, ReleaseSecretStore.HelmOwnerSelector, PageSize, ct))
            {
                seen++;
                triage.Add(listed.Namespace, listed.Name, listed.Labels);
                if (seen % PageSize == 0)
                {
                    progress?.Report($"Listing release Secrets: {seen} so far");
                }
            }
        }
        catch (Exception e) when (e is not EngineException && !KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, ns is null ? "listing release Secrets in all namespaces" : $"listing release Secrets in namespace {ns}");
        }

        var findings = new List<StuckReleaseFinding>();
        var unreadable = new List<string>();
        var disagreements = new List<string>();
        var payloads = triage.PayloadsToRead(verifyPayloads);
        var payloadsRead = 0;

        // One object reader for the whole pass: discovery of a group version is read once, whichever release needs it first.
        var liveness = new LivenessEvidenceReader(session, new LiveObjectReader(session));
        await Parallel.ForEachAsync(
            payloads,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (read, c) =>
            {
                // A release's payloads are read together; a Secret deleted since it was listed has nothing stuck in it any more.
                var revisions = (await Task.WhenAll(read.SecretNames.Select(async name =>
                {
                    try
                    {
                        return await store.GetAsync(read.Namespace, name, c) is { } secret ? ReleaseSecretStore.ToStoredRevision(secret) : null;
                    }
                    catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
                    {
                        throw KubeErrors.Translate(e, session, $"reading Secret {read.Namespace}/{name}");
                    }
                }))).OfType<StoredRevision>().ToList();

                var release = revisions.Select(r => r.ReleaseName).FirstOrDefault(n => n.Length > 0) ?? read.Release;
                var diagnosis = StuckReleaseRule.Diagnose(new ReleaseHistory(release, read.Namespace, revisions), now, options.StaleAfter);
                progress?.Report($"Reading release payloads: {Interlocked.Increment(ref payloadsRead)} of {payloads.Count}");
                var verdict = diagnosis.StuckRevision is { Release: not null } pending
                    ? await liveness.AssessAsync(pending, store.Driver, now, options.StaleAfter, options.HelmTimeout, c)
                    : null;
                lock (findings)
                {
                    if (verifyPayloads)
                    {
                        disagreements.AddRange(diagnosis.Anomalies
                            .Where(a => a.Kind == AnomalyKind.Inconsistency && revisions.Any(r => r.SecretName == a.SecretName && r.Release is not null))
                            .Select(a => $"Secret {read.Namespace}/{a.SecretName}: {a.Message}"));
                    }

                    if (diagnosis.State == ReleaseState.Unreadable && diagnosis.Latest is { } latest)
                    {
                        unreadable.Add($"Secret {latest.Namespace}/{latest.SecretName}: {latest.DecodeError}");
                    }
                    else if (diagnosis.StuckRevision is { Release: { } payload } stuck && verdict is not null)
                    {
                        findings.Add(new StuckReleaseFinding(
                            stuck.Namespace, diagnosis.Release, stuck.Revision, payload.StatusText,
                            $"{payload.ChartName}-{payload.ChartVersion}", payload.AppVersion, payload.LastDeployed,
                            (long?)diagnosis.PendingAge?.TotalSeconds, verdict.Verdict == LivenessVerdict.Stale, stuck.SecretName,
                            verdict.Verdict.ToName(), LivenessText.Evidence(verdict)));
                    }
                }
            });

        findings.Sort((a, b) => (a.Namespace, a.Release).CompareTo((b.Namespace, b.Release)));
        unreadable.Sort(StringComparer.Ordinal);
        disagreements.Sort(StringComparer.Ordinal);
        return new ScanResult(findings, unreadable, disagreements, triage.Releases, seen);
    }
}

/// <summary>How each stuck release's verdict is computed.</summary>
internal sealed record LivenessOptions(TimeSpan StaleAfter, TimeSpan HelmTimeout);

internal sealed record ScanResult(List<StuckReleaseFinding> Findings, List<string> Unreadable, List<string> Disagreements, int Releases, int Secrets);

/// <summary>One line of <c>scan --watch -o json</c>: what changed (stuck, stale, unstuck), when, and the release.</summary>
internal sealed record ScanEvent(string Event, DateTimeOffset Time, StuckReleaseFinding Release);

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
