namespace HelmUnstick.Cli.Tests;

/// <summary>
/// A fake clock for code that retries. It records every wait the code under test starts, and can run time forward
/// over the short ones (backoff, Retry-After) so that retries take no real time, while longer waits (timeouts) pass
/// only when a test advances the clock itself.
/// </summary>
internal sealed class RetryClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, TimeSpan Wait, WatchedTimer Timer)> _waits = [];
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every wait started so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_gate)
            {
                return _waits.Select(w => w.Wait).ToList();
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // A CancellationTokenSource on this clock passes itself as the state: that timer is a timeout guarding work in progress.
        var timer = new WatchedTimer(this, base.CreateTimer(callback, state, dueTime, period), isTimeout: state is CancellationTokenSource);
        Started(timer, dueTime);
        return timer;
    }

    /// <summary>Completes once a wait of exactly <paramref name="wait"/> has been started.</summary>
    public async Task WaitStartedAsync(TimeSpan wait)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_waits.Any(w => w.Wait == wait))
                {
                    return;
                }

                signal = _started.Task;
            }

            await signal.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// Completes, with its due time, once a wait of exactly <paramref name="wait"/> is pending (started and not yet
    /// due): the code under test is then parked on it, and advancing to that time releases exactly that wait.
    /// </summary>
    public async Task<DateTimeOffset> PendingAsync(TimeSpan wait)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                var now = GetUtcNow();
                if (_waits.Where(w => w.Wait == wait && w.At > now).Select(w => (DateTimeOffset?)w.At).Min() is { } at)
                {
                    return at;
                }

                signal = _started.Task;
            }

            await signal.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// Completes, with its due time, once a delay (a period, a poll, a retry's backoff; not a timeout) is pending: the
    /// earliest one started, not disposed and not yet due. Timeouts never count, since a timeout is pending exactly while
    /// the work it guards (a request in flight) runs; a pending delay means the code under test is parked on it, and
    /// advancing to its due time releases exactly that delay.
    /// </summary>
    public async Task<DateTimeOffset> NextDelayAsync()
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                var now = GetUtcNow();
                if (_waits.Where(w => w.At > now && w.Timer is { IsTimeout: false, Disposed: false } && w.Timer.DueAt == w.At).Select(w => (DateTimeOffset?)w.At).Min() is { } at)
                {
                    return at;
                }

                signal = _started.Task;
            }

            await signal.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Runs time forward over every wait shorter than <paramref name="limit"/> until <paramref name="task"/> ends.</summary>
    public async Task<T> SkipWaitsShorterThanAsync<T>(TimeSpan limit, Task<T> task)
    {
        await SkipWaitsShorterThanAsync(limit, (Task)task);
        return await task;
    }

    /// <summary>Runs time forward over every wait shorter than <paramref name="limit"/> until <paramref name="task"/> ends.</summary>
    public async Task SkipWaitsShorterThanAsync(TimeSpan limit, Task task)
    {
        while (!task.IsCompleted)
        {
            Task signal;
            DateTimeOffset? next;
            lock (_gate)
            {
                signal = _started.Task;
                var now = GetUtcNow();
                next = _waits.Where(w => w.Wait < limit && w.At > now).Select(w => (DateTimeOffset?)w.At).Min();
            }

            if (next is { } at)
            {
                Advance(at - GetUtcNow());
                continue;
            }

            // Guards against a hang only; the test never sleeps.
            await Task.WhenAny(task, signal).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    private void Started(WatchedTimer timer, TimeSpan wait)
    {
        TaskCompletionSource started;
        lock (_gate)
        {
            if (wait == Timeout.InfiniteTimeSpan)
            {
                timer.DueAt = DateTimeOffset.MaxValue;
                return;
            }

            timer.DueAt = GetUtcNow() + wait;
            _waits.Add((timer.DueAt, wait, timer));
            started = _started;
            _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        started.TrySetResult();
    }

    private sealed class WatchedTimer(RetryClock clock, ITimer inner, bool isTimeout) : ITimer
    {
        public bool IsTimeout { get; } = isTimeout;

        /// <summary>When it is due as last set; an earlier setting is no longer pending.</summary>
        public DateTimeOffset DueAt { get; set; }

        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            clock.Started(this, dueTime);
            return changed;
        }

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return inner.DisposeAsync();
        }
    }
}
