using System.Threading.Channels;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// Has every release the watcher reports looked at, and every stuck one again at each resync (and at once when asked:
/// a replica that just became leader has alerts to send). Single-threaded: one look at a time.
/// <see cref="FirstLookCompleted"/> completes once every release of the watcher's first list has been looked at:
/// serve is ready then, so that a ready pod has alerted on what was stuck when it started.
/// </summary>
internal sealed class StuckReleaseMonitor(ReleaseWatcher watcher, ReleaseEvaluator evaluator, HostEnvironment env, TimeSpan resync)
{
    private readonly Channel<bool> _resyncRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TaskCompletionSource _firstLook = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every release of the first complete list has been looked at (<c>/readyz</c> turns ready).</summary>
    public Task FirstLookCompleted => _firstLook.Task;

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
                // the clock passed the resync time while the timer was being made); and, until the first look is
                // done, on the first list's end: a list with no release in it changes nothing, yet makes serve ready.
                if (env.Now < nextResync)
                {
                    List<Task> wakes = [watcher.Changes.WaitToReadAsync(either.Token).AsTask(), _resyncRequests.Reader.WaitToReadAsync(either.Token).AsTask()];
                    if (!_firstLook.Task.IsCompleted)
                    {
                        wakes.Add(watcher.FirstListCompleted.WaitAsync(either.Token));
                    }

                    await Task.WhenAny(wakes);
                }

                await either.CancelAsync();
            }

            ct.ThrowIfCancellationRequested();

            // Whether the resync is due is decided before the changes are looked at: a resync that comes due while
            // they are would otherwise skip them, as if looked at already, though they were looked at before it.
            var due = env.Now >= nextResync;

            // The watcher writes the first list's releases to its changes before it marks the list complete: once it
            // is marked, the changes read below hold every one of them not looked at yet.
            var listed = watcher.FirstListCompleted.IsCompletedSuccessfully;
            var changed = new HashSet<Core.Diagnosis.ReleaseKey>();
            while (watcher.Changes.TryRead(out var release))
            {
                changed.Add(release);
            }

            foreach (var release in changed)
            {
                await evaluator.EvaluateAsync(release, ct);
            }

            if (listed)
            {
                _firstLook.TrySetResult();
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
