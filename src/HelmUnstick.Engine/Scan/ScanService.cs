using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Liveness;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Storage;
using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Engine.Scan;

/// <summary>What one cluster's scan looks at: a namespace (or all), how verdicts are computed, whether every payload is read.</summary>
/// <param name="Namespace">Null for all namespaces.</param>
internal sealed record ScanRequest(string? Namespace, LivenessOptions Liveness, bool VerifyPayloads);

/// <summary>
/// <c>scan</c> of one cluster: one metadata-only list of the release objects, their labels deciding which payloads
/// are read, each candidate diagnosed and, when stuck, given a liveness verdict.
/// </summary>
internal sealed class ScanService(ClusterSession session, StorageDriver driver, TimeProvider clock)
{
    /// <summary>
    /// Metadata-only items are small (about 300 bytes): a page this large keeps a fleet of a few thousand release
    /// objects to two round trips, the second overlapping the candidates' object reads, while a page's items stay few
    /// enough for 30,000 Secrets to be listed within the memory target.
    /// </summary>
    private const int PageSize = 2000;

    /// <summary>At most this many pending-labelled payloads are listed beside the metadata list; any others are read by GET.</summary>
    private const int PendingPayloadsListed = 200;

    private const int ParallelReads = 8;
    private readonly KubeReleaseStore _store = new(session, driver);

    /// <param name="progress">Hears each page listed and each payload read (a terminal's status line).</param>
    public async Task<ScanResult> ScanAsync(ScanRequest request, IProgress<string>? progress, CancellationToken ct)
    {
        var (ns, options, verifyPayloads) = request;
        var now = clock.GetUtcNow();

        // The labels decide which payloads are worth reading: one metadata-only list; a candidate's payload comes with
        // the list of pending-labelled objects beside it, or else by one GET.
        var triage = new LabelTriage();
        var seen = 0;

        // The scope's run-Leases in one list, and the pending-labelled objects with their payloads in another, read
        // while the first metadata page is: no round trip of their own.
        var leases = new ReleaseLeaseStore(session).ListEvidenceAsync(ns, ct);
        var pendingListed = ListPendingOrNoneAsync(ns, ct);

        // One object reader for the whole pass: discovery of a group version is read once, whichever release needs it first.
        var liveness = new LivenessEvidenceReader(session, new LiveObjectReader(session));
        var early = EarlyVerdictsAsync(pendingListed, leases, liveness, now, options, ct);
        var pendingVersions = new Dictionary<(string Namespace, string Name), string?>();
        try
        {
            await foreach (var listed in _store.ListMetadataAsync(ns, KubeReleaseStore.HelmOwnerSelector, PageSize, ct))
            {
                seen++;
                triage.Add(listed.Namespace, listed.Name, listed.Labels);
                if (listed.Labels.TryGetValue("status", out var label) && ReleaseStatusNames.TryParse(label, out var status) && status.IsPending())
                {
                    pendingVersions[(listed.Namespace, listed.Name)] = listed.ResourceVersion;
                }

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

        var leaseOf = await leases;

        // A pending payload listed beside the metadata is used when it is the version the metadata list saw; one that
        // has changed since (or was not listed) is read again by GET.
        var prefetched = (await pendingListed)
            .Where(r => pendingVersions.TryGetValue((r.Namespace, r.ObjectName), out var version) && version == r.ResourceVersion)
            .ToDictionary(r => (r.Namespace, r.ObjectName));
        var findings = new List<StuckReleaseFinding>();
        var unreadable = new List<string>();
        var disagreements = new List<string>();
        var payloads = triage.PayloadsToRead(verifyPayloads);
        var payloadsRead = 0;
        var earlyVerdicts = await early;
        await Parallel.ForEachAsync(
            payloads,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (read, c) =>
            {
                // A release's payloads are read together (a Secret deleted since it was listed has nothing stuck in it
                // any more), named and diagnosed by the step serve takes too.
                var (named, revisions, diagnosis) = await CandidateDiagnosis.DiagnoseAsync(read, async (name, c2) =>
                {
                    if (prefetched.TryGetValue((read.Namespace, name), out var listedRevision))
                    {
                        return listedRevision;
                    }

                    try
                    {
                        return await _store.ReadRevisionAsync(read.Namespace, name, c2);
                    }
                    catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
                    {
                        throw KubeErrors.Translate(e, session, $"reading Secret {read.Namespace}/{name}");
                    }
                }, now, _ => options.StaleAfter, c);
                var release = named.Release;
                progress?.Report($"Reading release payloads: {Interlocked.Increment(ref payloadsRead)} of {payloads.Count}");
                var verdict = diagnosis.StuckRevision is not { Release: not null } pending ? null
                    : earlyVerdicts.TryGetValue((pending.Namespace, pending.ObjectName), out var begun)
                      && begun.ResourceVersion == pending.ResourceVersion && begun.Release == release
                        ? await begun.Verdict
                        : await liveness.AssessAsync(pending, driver, now, options.StaleAfter, options.HelmTimeout,
                            leaseOf.GetValueOrDefault((read.Namespace, release)), c);
                lock (findings)
                {
                    if (verifyPayloads)
                    {
                        disagreements.AddRange(diagnosis.Anomalies
                            .Where(a => a.Kind == AnomalyKind.Inconsistency && revisions.Any(r => r.ObjectName == a.ObjectName && r.Release is not null))
                            .Select(a => $"Secret {read.Namespace}/{a.ObjectName}: {a.Message}"));
                    }

                    if (diagnosis.State == ReleaseState.Unreadable && diagnosis.Latest is { } latest)
                    {
                        unreadable.Add($"Secret {latest.Namespace}/{latest.ObjectName}: {latest.DecodeError}");
                    }
                    else if (diagnosis.StuckRevision is { Release: { } payload } stuck && verdict is not null)
                    {
                        findings.Add(new StuckReleaseFinding(
                            session.ContextName, stuck.Namespace, diagnosis.Release, stuck.Revision, payload.StatusText,
                            $"{payload.ChartName}-{payload.ChartVersion}", payload.AppVersion, payload.LastDeployed,
                            (long?)diagnosis.PendingAge?.TotalSeconds, verdict.Verdict == LivenessVerdict.Stale, stuck.ObjectName,
                            verdict.Verdict.ToName(), LivenessText.Evidence(verdict)));
                    }
                }
            });

        findings.Sort((a, b) => (a.Namespace, a.Release).CompareTo((b.Namespace, b.Release)));
        unreadable.Sort(StringComparer.Ordinal);
        disagreements.Sort(StringComparer.Ordinal);
        return new ScanResult(findings, unreadable, disagreements, triage.Releases, seen);
    }

    /// <summary>
    /// The liveness verdicts of the listed pending revisions, begun as soon as their payloads and the Leases are in,
    /// while the metadata pages may still be coming: on a cluster far away the objects' round trip then overlaps the
    /// list's. A verdict is used only for the revision (same resourceVersion) the metadata list makes the candidate.
    /// </summary>
    private async Task<IReadOnlyDictionary<(string Namespace, string ObjectName), EarlyVerdict>> EarlyVerdictsAsync(
        Task<IReadOnlyList<StoredRevision>> pendingListed,
        Task<IReadOnlyDictionary<(string Namespace, string Release), ReleaseLease>> leases,
        LivenessEvidenceReader liveness,
        DateTimeOffset now,
        LivenessOptions options,
        CancellationToken ct)
    {
        var pending = (await pendingListed).Where(r => r.Status.IsPending()).ToList();
        var leaseOf = await leases;
        var bounded = new SemaphoreSlim(ParallelReads);
        return pending.ToDictionary(
            r => (r.Namespace, r.ObjectName),
            r => new EarlyVerdict(r.ResourceVersion, r.ReleaseName, AssessBoundedAsync(r)));

        async Task<LivenessAssessment> AssessBoundedAsync(StoredRevision revision)
        {
            await bounded.WaitAsync(ct);
            try
            {
                return await liveness.AssessAsync(revision, driver, now, options.StaleAfter, options.HelmTimeout,
                    leaseOf.GetValueOrDefault((revision.Namespace, revision.ReleaseName)), ct);
            }
            finally
            {
                bounded.Release();
            }
        }
    }

    /// <summary>
    /// The pending-labelled revisions, decoded once for both their uses (the payloads and the early verdicts), or none
    /// when they cannot be listed: they only spare GETs, and any error the cluster gives is met again, and reported, by
    /// those GETs or the metadata list.
    /// </summary>
    private async Task<IReadOnlyList<StoredRevision>> ListPendingOrNoneAsync(string? ns, CancellationToken ct)
    {
        try
        {
            return [.. (await _store.ListPendingAsync(ns, PendingPayloadsListed, ct)).Select(p => p.ToStoredRevision(driver))];
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return [];
        }
    }
}

/// <summary>A liveness verdict begun before the metadata list was complete, for the revision at that resourceVersion.</summary>
internal sealed record EarlyVerdict(string? ResourceVersion, string Release, Task<LivenessAssessment> Verdict);

/// <summary>How each stuck release's verdict is computed.</summary>
internal sealed record LivenessOptions(TimeSpan StaleAfter, TimeSpan HelmTimeout);

internal sealed record ScanResult(List<StuckReleaseFinding> Findings, List<string> Unreadable, List<string> Disagreements, int Releases, int Secrets)
{
    /// <summary>The same scan with its error and warning lines naming <paramref name="context"/>, to stand among other clusters'.</summary>
    public ScanResult InContext(string context) => this with
    {
        Unreadable = Unreadable.Select(line => $"context {context}: {line}").ToList(),
        Disagreements = Disagreements.Select(line => $"context {context}: {line}").ToList(),
    };

    /// <summary>The scans of several clusters as one, ordered by context, namespace and release.</summary>
    public static ScanResult Merge(IEnumerable<ScanResult> scans)
    {
        var all = scans.ToList();
        return new ScanResult(
            all.SelectMany(s => s.Findings).OrderBy(f => (f.Context, f.Namespace, f.Release)).ToList(),
            all.SelectMany(s => s.Unreadable).ToList(),
            all.SelectMany(s => s.Disagreements).ToList(),
            all.Sum(s => s.Releases),
            all.Sum(s => s.Secrets));
    }
}

/// <summary>One stuck release as <c>scan -o json</c> reports it, with the kubeconfig context of its cluster.</summary>
internal sealed record StuckReleaseFinding(
    string Context,
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
