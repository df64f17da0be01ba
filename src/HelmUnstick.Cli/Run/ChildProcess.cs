using System.Runtime.InteropServices;

namespace HelmUnstick.Cli.Run;

/// <summary>How COMMAND ended: its exit code, or the signal that killed it.</summary>
internal sealed record ChildExit(int? ExitCode, int? Signal)
{
    /// <summary>What a shell reports: the exit code, or 128 + the signal's number.</summary>
    public int ShellCode => ExitCode ?? 128 + Signal!.Value;

    public string Describe() => ExitCode is { } code ? $"exit code {code}" : $"signal {SignalNames.Of(Signal!.Value)}";

    /// <summary>Decodes a waitpid status: the low 7 bits are the killing signal, or 0 with the exit code above them.</summary>
    public static ChildExit FromWaitStatus(int status) =>
        (status & 0x7f) == 0 ? new ChildExit((status >> 8) & 0xff, null) : new ChildExit(null, status & 0x7f);
}

/// <summary>COMMAND running as the leader of a process group of its own, so that a signal reaches everything it started.</summary>
internal sealed class ChildProcess
{
    private ChildProcess(int pid)
    {
        Pid = pid;

        // waitpid blocks: a thread of its own, not one of the pool's.
        Exited = Task.Factory.StartNew(() => ChildExit.FromWaitStatus(Posix.WaitForExit(pid)), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public int Pid { get; }

    public Task<ChildExit> Exited { get; }

    /// <summary>Starts <paramref name="path"/> (resolved by <see cref="CommandLookup"/>) with <paramref name="argv"/>, argv[0] included.</summary>
    /// <exception cref="CliException">The file cannot be executed (exit 126, like a shell).</exception>
    public static ChildProcess Start(string path, IReadOnlyList<string> argv)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").ToList();
        var error = Posix.Spawn(path, argv, environment, out var pid);
        return error switch
        {
            0 => new ChildProcess(pid),
            Posix.Enoent => throw new CliException(ExitCodes.CommandNotFound, $"{argv[0]}: command not found; nothing was started"),
            _ => throw new CliException(ExitCodes.CommandNotExecutable, $"{argv[0]}: cannot be executed: {Posix.Describe(error)}; nothing was started"),
        };
    }

    /// <summary>Signals COMMAND's whole process group; a group already gone is not an error.</summary>
    public void Signal(int signal) => Posix.SignalGroup(Pid, signal);
}

/// <summary>Finds COMMAND the way a shell does: a name with a slash as given, otherwise the first executable on PATH.</summary>
internal static class CommandLookup
{
    /// <exception cref="CliException">Not found (exit 127) or found but not executable (exit 126), as a shell reports them.</exception>
    public static string Resolve(string command, string? pathVariable)
    {
        if (command.Length == 0)
        {
            throw new CliException(ExitCodes.CommandNotFound, "the command after -- is empty; nothing was started");
        }

        if (command.Contains('/'))
        {
            return Check(command) ?? throw NotFound(command);
        }

        string? refused = null;
        foreach (var directory in (pathVariable ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(directory.Length == 0 ? "." : directory, command);
            if (File.Exists(candidate))
            {
                if (Posix.IsExecutable(candidate))
                {
                    return candidate;
                }

                refused ??= candidate;
            }
        }

        return refused is not null ? Check(refused)! : throw NotFound(command);
    }

    /// <summary>The path when it is an executable file, null when it does not exist; throws when it cannot be run.</summary>
    private static string? Check(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.CommandNotExecutable, $"{path}: is a directory; nothing was started");
        }

        if (!File.Exists(path))
        {
            return null;
        }

        return Posix.IsExecutable(path)
            ? path
            : throw new CliException(ExitCodes.CommandNotExecutable, $"{path}: permission denied (not executable); nothing was started");
    }

    private static CliException NotFound(string command) =>
        new(ExitCodes.CommandNotFound, $"{command}: command not found; nothing was started");
}

/// <summary>The names of the signals <c>run</c> reports.</summary>
internal static class SignalNames
{
    public static string Of(int signal) => signal switch
    {
        Posix.SigHup => "SIGHUP",
        Posix.SigInt => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        Posix.SigKill => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        Posix.SigTerm => "SIGTERM",
        _ => $"{signal}",
    };

    /// <summary>The Linux number of a signal .NET delivers.</summary>
    public static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => Posix.SigHup,
        PosixSignal.SIGINT => Posix.SigInt,
        _ => Posix.SigTerm,
    };
}

/// <summary>
/// SIGTERM, SIGINT and SIGHUP sent to <c>run</c>: before COMMAND starts they cancel the preparation; once it runs
/// they go to its process group, and after the grace period the group is killed. <c>run</c> itself never dies of
/// them: it waits for COMMAND and reports how it ended.
/// </summary>
internal sealed class SignalRelay : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly TimeSpan _grace;
    private readonly CancellationTokenSource _beforeStart = new();
    private readonly List<PosixSignalRegistration> _registrations;
    private readonly Lock _lock = new();
    private ChildProcess? _child;
    private ITimer? _killTimer;

    public SignalRelay(TimeProvider clock, TimeSpan grace)
    {
        _clock = clock;
        _grace = grace;
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, OnSignal))];
    }

    /// <summary>Cancelled by a signal that arrives before COMMAND starts.</summary>
    public CancellationToken BeforeStart => _beforeStart.Token;

    /// <summary>The first signal received, if any.</summary>
    public int? Received { get; private set; }

    /// <summary>Whether COMMAND was killed with SIGKILL after the grace period.</summary>
    public bool KilledAfterGrace { get; private set; }

    /// <summary>From now on signals go to <paramref name="child"/>'s process group.</summary>
    public void Attach(ChildProcess child)
    {
        lock (_lock)
        {
            _child = child;
        }
    }

    /// <summary>Stops COMMAND as a signal from outside would: <paramref name="signal"/> to its group, SIGKILL after the grace period.</summary>
    public void Stop(int signal)
    {
        lock (_lock)
        {
            if (_child is not { } child)
            {
                return;
            }

            child.Signal(signal);
            _killTimer ??= _clock.CreateTimer(_ => KillAfterGrace(), null, _grace, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _killTimer?.Dispose();
        _beforeStart.Dispose();
    }

    /// <summary>
    /// What a SIGTERM, SIGINT or SIGHUP to <c>run</c> does (<paramref name="signal"/> is its Linux number): before
    /// COMMAND starts, cancel the preparation; after, pass it on to COMMAND's group and start the grace period.
    /// </summary>
    internal void Deliver(int signal)
    {
        Received ??= signal;
        lock (_lock)
        {
            if (_child is null)
            {
                _beforeStart.Cancel();
                return;
            }
        }

        Stop(signal);
    }

    private void OnSignal(PosixSignalContext context)
    {
        // run never dies of these signals itself: it waits for COMMAND and reports how it ended.
        context.Cancel = true;
        Deliver(SignalNames.Number(context.Signal));
    }

    private void KillAfterGrace()
    {
        lock (_lock)
        {
            if (_child is { Exited.IsCompleted: false } child)
            {
                KilledAfterGrace = true;
                child.Signal(Posix.SigKill);
            }
        }
    }
}
