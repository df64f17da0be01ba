using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace HelmUnstick.Engine.Scan;

/// <summary>What changed for a release between two passes of a watch.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScanChange>))]
internal enum ScanChange
{
    /// <summary>A release became stuck (or stuck at another revision).</summary>
    [JsonStringEnumMemberName("stuck")]
    Stuck,

    /// <summary>A stuck release turned stale.</summary>
    [JsonStringEnumMemberName("stale")]
    Stale,

    /// <summary>A release is no longer stuck.</summary>
    [JsonStringEnumMemberName("unstuck")]
    Unstuck,
}

/// <summary>One change a watch saw: what changed (stuck, stale, unstuck), when, and the release.</summary>
internal sealed record ScanEvent(ScanChange Event, DateTimeOffset Time, StuckReleaseFinding Release);

/// <summary>
/// What one pass of a watch read: the scan of the clusters that answered, a line for each that did not, and the
/// contexts of those (what was known of them stands until they answer again).
/// </summary>
internal sealed record ScanPassRead(ScanResult Scan, IReadOnlyList<string> Failures, IReadOnlyCollection<string> UnreadContexts);

/// <summary>One pass of a watch: why (part of) it failed, then what changed since the pass before.</summary>
internal sealed record ScanPass(IReadOnlyList<string> Failures, IReadOnlyList<ScanEvent> Changes);

/// <summary>
/// Scans again and again, every <paramref name="interval"/> on <paramref name="clock"/>, and tells only what changed:
/// a release that became stuck, turned stale or was unstuck. A pass that fails is told and the watch goes on, as
/// kubectl get -w does; the watch ends when it is cancelled.
/// </summary>
/// <param name="scanOnce">One pass; an <see cref="EngineException"/> fails that pass alone.</param>
internal sealed class ScanWatch(Func<CancellationToken, Task<ScanPassRead>> scanOnce, TimeSpan interval, TimeProvider clock)
{
    public async IAsyncEnumerable<ScanPass> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var known = new Dictionary<string, StuckReleaseFinding>();
        do
        {
            ScanPass pass;
            try
            {
                var read = await scanOnce(ct);
                var current = read.Scan.Findings.ToDictionary(f => $"{f.Context}/{f.Namespace}/{f.Release}");

                // A cluster that could not be read this pass has told nothing: its releases are not "unstuck".
                foreach (var (key, finding) in known.Where(k => read.UnreadContexts.Contains(k.Value.Context)))
                {
                    current.TryAdd(key, finding);
                }

                pass = new ScanPass(read.Failures, Changes(known, current, clock.GetUtcNow()));
                known = current;
            }
            catch (EngineException e)
            {
                pass = new ScanPass([e.Message], []);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                yield break;
            }

            yield return pass;
        }
        while (await WaitAsync(ct));
    }

    /// <summary>The releases that became stuck (or stuck at another revision) or stale, then those no longer stuck.</summary>
    private static List<ScanEvent> Changes(Dictionary<string, StuckReleaseFinding> known, Dictionary<string, StuckReleaseFinding> current, DateTimeOffset now)
    {
        var changes = new List<ScanEvent>();
        foreach (var (key, finding) in current)
        {
            var change = !known.TryGetValue(key, out var before) || before.SecretName != finding.SecretName ? ScanChange.Stuck
                : finding.Stale && !before.Stale ? ScanChange.Stale
                : (ScanChange?)null;
            if (change is { } changed)
            {
                changes.Add(new ScanEvent(changed, now, finding));
            }
        }

        changes.AddRange(known.Where(k => !current.ContainsKey(k.Key)).Select(k => new ScanEvent(ScanChange.Unstuck, now, k.Value)));
        return changes;
    }

    private async Task<bool> WaitAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(interval, clock, ct);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
