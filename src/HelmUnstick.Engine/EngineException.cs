using HelmUnstick.Engine.Unstick;

namespace HelmUnstick.Engine;

/// <summary>
/// An expected failure of the engine (a kubeconfig, backup or policy file that is wrong, a cluster that cannot be
/// read): one clear line, never a stack trace. The CLI maps its failure to an exit code.
/// </summary>
internal class EngineException(UnstickFailure failure, string message) : Exception(message)
{
    public UnstickFailure Failure { get; } = failure;
}
