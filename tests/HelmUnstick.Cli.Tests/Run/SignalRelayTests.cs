using HelmUnstick.Cli.Run;

namespace HelmUnstick.Cli.Tests.Run;

/// <summary>
/// What <c>run</c> does with a SIGTERM, SIGINT or SIGHUP, on real child processes (a shell as COMMAND) and the grace
/// period on a fake clock: before COMMAND starts the preparation is cancelled; once it runs, the signal reaches its
/// whole process group; COMMAND that outlives the grace period is killed, and not a moment before.
/// </summary>
public sealed class SignalRelayTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    /// <summary>The longest a test waits for a real process; far beyond what it needs.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helm-unstick-signals-");
    private readonly FakeTimeProvider _clock = new();
    private readonly List<ChildProcess> _children = [];

    [Fact]
    public void SignalBeforeCommandStarts_CancelsThePreparation_AndIsRemembered()
    {
        using var relay = new SignalRelay(_clock, Grace);

        relay.Deliver(Posix.SigInt);
        relay.Deliver(Posix.SigTerm);

        Assert.True(relay.BeforeStart.IsCancellationRequested);
        Assert.Equal(Posix.SigInt, relay.Received);
    }

    [Fact]
    public async Task SignalWhileCommandRuns_ReachesItsWholeProcessGroup()
    {
        using var relay = new SignalRelay(_clock, Grace);
        // The shell survives the SIGTERM (its trap) and exits with what became of its own child: 143 when the SIGTERM
        // reached that child too. Sent to the shell alone, the second wait would last the sleep's 60 s.
        var child = await StartAsync(relay, "trap : TERM; sleep 60 & touch ready; wait $!; wait $!; exit $?");

        relay.Deliver(Posix.SigTerm);

        Assert.Equal(new ChildExit(143, null), await child.Exited.WaitAsync(Limit));
        Assert.False(relay.BeforeStart.IsCancellationRequested);
        Assert.Equal(Posix.SigTerm, relay.Received);
        Assert.False(relay.KilledAfterGrace);
    }

    [Fact]
    public async Task CommandThatIgnoresTheSignal_IsKilledWhenTheGracePeriodEnds_NotBefore()
    {
        using var relay = new SignalRelay(_clock, Grace);
        var child = await StartAsync(relay, "trap '' TERM; touch ready; exec sleep 60");

        relay.Deliver(Posix.SigTerm);
        _clock.Advance(Grace - TimeSpan.FromMilliseconds(1));
        var beforeGrace = child.Exited.IsCompleted;
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(beforeGrace);
        Assert.Equal(new ChildExit(null, Posix.SigKill), await child.Exited.WaitAsync(Limit));
        Assert.True(relay.KilledAfterGrace);
        Assert.Equal(137, (await child.Exited).ShellCode);
    }

    [Fact]
    public async Task CommandThatEndsWithinTheGracePeriod_IsNotKilled()
    {
        using var relay = new SignalRelay(_clock, Grace);
        var child = await StartAsync(relay, "trap 'exit 0' TERM HUP; touch ready; while :; do sleep 1; done");

        relay.Deliver(Posix.SigHup);
        relay.Deliver(Posix.SigTerm);
        var exit = await child.Exited.WaitAsync(Limit);
        _clock.Advance(Grace);

        Assert.Equal(Posix.SigHup, relay.Received);
        Assert.False(relay.KilledAfterGrace);
        Assert.Equal(new ChildExit(0, null), exit);
    }

    /// <summary>Kills what a failed test left running (a group already gone is no error).</summary>
    public void Dispose()
    {
        foreach (var child in _children)
        {
            child.Signal(Posix.SigKill);
        }

        _root.Delete(recursive: true);
    }

    /// <summary>Starts <c>/bin/sh -c SCRIPT</c> in <see cref="_root"/> and waits until it has written <c>ready</c> (its traps are set).</summary>
    private async Task<ChildProcess> StartAsync(SignalRelay relay, string script)
    {
        var child = ChildProcess.Start("/bin/sh", ["/bin/sh", "-c", $"cd '{_root.FullName}' && {{ {script}; }}"]);
        _children.Add(child);
        relay.Attach(child);
        var ready = Path.Combine(_root.FullName, "ready");
        using var limit = new CancellationTokenSource(Limit);
        while (!File.Exists(ready))
        {
            if (child.Exited.IsCompleted)
            {
                Assert.Fail($"the shell ended before it was ready: {await child.Exited}");
            }

            await Task.Delay(10, limit.Token);
        }

        return child;
    }
}
