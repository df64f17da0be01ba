namespace HelmUnstick.Cli;

/// <summary>The exit codes every command shares; scripts and CI jobs branch on them.</summary>
internal static class ExitCodes
{
    /// <summary>Done and verified, nothing to fix, or nothing found.</summary>
    public const int Ok = 0;

    /// <summary>Stuck releases found (scan), or a check blocked the change and nothing was changed.</summary>
    public const int Blocked = 1;

    /// <summary>The command line or a file given to it is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The cluster or its API failed; nothing was changed.</summary>
    public const int ClusterError = 3;

    /// <summary>A change was made but could not be verified; the message says what state is left.</summary>
    public const int VerificationFailed = 4;

    /// <summary><c>run</c>: the lease was lost while COMMAND ran; COMMAND was sent SIGTERM.</summary>
    public const int LeaseLost = 5;

    /// <summary><c>run</c>: COMMAND was found but cannot be executed (as a shell reports it).</summary>
    public const int CommandNotExecutable = 126;

    /// <summary><c>run</c>: COMMAND was not found (as a shell reports it).</summary>
    public const int CommandNotFound = 127;

    /// <summary>How an unstick attempt ended, as scripts see it (by the engine's one mapping, <see cref="UnstickOutcomes.Meaning"/>).</summary>
    public static int For(UnstickOutcome outcome) => For(outcome.Meaning().Exit);

    /// <summary>How a fix run ended; after a CI retry, how the retry ended.</summary>
    public static int For(FixReport report) => report.Ending switch
    {
        FixEnding.NothingToFix or FixEnding.DryRun => Ok,
        FixEnding.Blocked or FixEnding.NotConfirmed or FixEnding.ChecksChanged => Blocked,
        _ => report.Record.Retry is { } retry ? For(retry) : For(report.Applied!.Outcome),
    };

    /// <summary>A fix run that failed before its change: as the failure itself ends the command.</summary>
    public static int For(FixFailedException failed) => failed.InnerException is EngineException engine ? For(engine.Failure) : ClusterError;

    /// <summary>0 when the job was re-run and not followed, or followed to "remediated"; 1 for everything else (nothing retried, or it did not end well).</summary>
    public static int For(CiRetryReport report) =>
        report.Outcome == HelmUnstick.Core.Ci.CiRetryOutcome.Retried || report.Remediated ? Ok : Blocked;

    public static int For(ExitStatus status) => status switch
    {
        ExitStatus.Ok => Ok,
        ExitStatus.Blocked => Blocked,
        ExitStatus.ClusterError => ClusterError,
        ExitStatus.VerificationFailed => VerificationFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static int For(UnstickFailure failure) => failure switch
    {
        UnstickFailure.InvalidRequest => Usage,
        UnstickFailure.Refused => Blocked,
        _ => ClusterError,
    };
}

/// <summary>An expected failure that ends a command with one clear line and an exit code, never a stack trace.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
