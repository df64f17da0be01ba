using HelmUnstick.Core.Diagnosis;

namespace HelmUnstick.Engine.Scan;

/// <summary>
/// The step <c>scan</c> and <c>serve</c> share for a release whose labels ask for its payloads: read them together,
/// name the release by its payloads (a Secret without a name label is indexed under its own name), and diagnose it.
/// </summary>
internal static class CandidateDiagnosis
{
    /// <param name="readPayload">Reads one release Secret (or ConfigMap) by name; null when it was deleted since it was listed.</param>
    /// <param name="staleAfter">The stale-after period for the release as named by its payloads.</param>
    public static async Task<DiagnosedCandidate> DiagnoseAsync(
        PayloadsToRead read,
        Func<string, CancellationToken, Task<StoredRevision?>> readPayload,
        DateTimeOffset now,
        Func<ReleaseKey, TimeSpan> staleAfter,
        CancellationToken ct)
    {
        var revisions = (await Task.WhenAll(read.ObjectNames.Select(name => readPayload(name, ct)))).OfType<StoredRevision>().ToList();
        var named = new ReleaseKey(read.Namespace, revisions.Select(r => r.ReleaseName).FirstOrDefault(n => n.Length > 0) ?? read.Release);
        var diagnosis = StuckReleaseRule.Diagnose(new ReleaseHistory(named.Release, named.Namespace, revisions), now, staleAfter(named));
        return new DiagnosedCandidate(named, revisions, diagnosis);
    }
}

/// <summary>A candidate release as its payloads name it, the revisions read (deleted ones left out) and its diagnosis.</summary>
internal sealed record DiagnosedCandidate(ReleaseKey Release, IReadOnlyList<StoredRevision> Revisions, ReleaseDiagnosis Diagnosis);
