using HelmUnstick.Engine.Unstick;

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

    /// <summary>The one mapping from how an unstick attempt ended to what scripts see.</summary>
    public static int For(UnstickOutcome outcome) => outcome switch
    {
        UnstickOutcome.Fixed or UnstickOutcome.NothingToFix or UnstickOutcome.AlreadyFixed => Ok,
        UnstickOutcome.Blocked or UnstickOutcome.RefusedConcurrentChange or UnstickOutcome.ChangedBySomeoneElse => Blocked,
        UnstickOutcome.ApiError => ClusterError,
        UnstickOutcome.ChangedUnverified => VerificationFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
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
