using System.Threading.Channels;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// Has every release the watcher reports looked at, and every stuck one again at each resync (and at once when asked:
/// a replica that just became leader has alerts to send). Single-threaded: one look at a time.
/// </summary>
internal sealed class StuckReleaseMonitor(ReleaseWatcher watcher, ReleaseEvaluator evaluator, HostEnvironment env, TimeSpan resync)
{
    private readonly Channel<bool> _resyncRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a resync at once; callable from any thread.</summary>
    public void RequestResync() => _resyncRequests.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        var nextResync = env.Now + resync;
        while (!ct.IsCancellationRequested)
        {
            var wait = nextResync - env.Now;
            if (wait > TimeSpan.Zero)
            {
                using var timer = new CancellationTokenSource(wait, env.Clock);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);

                // Wakes on a change, a resync request, the resync time or shutdown, whichever comes first (unless
                // the clock passed the resync time while the timer was being made).
                if (env.Now < nextResync)
                {
                    await Task.WhenAny(
                        watcher.Changes.WaitToReadAsync(either.Token).AsTask(),
                        _resyncRequests.Reader.WaitToReadAsync(either.Token).AsTask());
                }

                await either.CancelAsync();
            }

            ct.ThrowIfCancellationRequested();

            // Whether the resync is due is decided before the changes are looked at: a resync that comes due while
            // they are would otherwise skip them, as if looked at already, though they were looked at before it.
            var due = env.Now >= nextResync;
            var changed = new HashSet<Core.Diagnosis.ReleaseKey>();
            while (watcher.Changes.TryRead(out var release))
            {
                changed.Add(release);
            }

            foreach (var release in changed)
            {
                await evaluator.EvaluateAsync(release, ct);
            }

            if (_resyncRequests.Reader.TryRead(out _) || due)
            {
                foreach (var release in evaluator.Tracked.Union(watcher.Candidates()).Except(changed).ToList())
                {
                    await evaluator.EvaluateAsync(release, ct);
                }

                // By the schedule, not from now: a slow pass must not push the next one back.
                if (due)
                {
                    nextResync = nextResync + resync > env.Now ? nextResync + resync : env.Now;
                }
            }
        }
    }
}
