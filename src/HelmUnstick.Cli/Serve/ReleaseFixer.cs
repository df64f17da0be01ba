using System.CommandLine;
using HelmUnstick.Cli.Commands;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Policy;

namespace HelmUnstick.Cli.Serve;

/// <summary>Interim: reports every fix as failed until the unstick engine is merged.</summary>
internal sealed class ReleaseFixer(ClusterSession session, CliEnvironment env, SafetyOptions ci, ParseResult result, string? backupRoot)
{
    public Task<FixAttempt?> FixAsync(StoredRevision stuck, PolicyDecision decision, CancellationToken ct) =>
        Task.FromResult<FixAttempt?>(new FixAttempt(RemediationOutcome.Failed, [$"not yet wired ({session.ContextName}, {env.Now}, {ci}, {result}, {backupRoot}, {stuck.SecretName}, {decision.Action}, {ct.IsCancellationRequested})"], null, false));
}
