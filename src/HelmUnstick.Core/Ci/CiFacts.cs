namespace HelmUnstick.Core.Ci;

/// <summary>What the operator mapped to a kube context: the environments that deploy to it and job-name globs.</summary>
public sealed record CiScope(IReadOnlyList<string> Environments, IReadOnlyList<string> JobNamePatterns)
{
    public bool IsUnscoped => Environments.Count == 0 && JobNamePatterns.Count == 0;
}

public sealed record CiDeploymentFact(
    string Project,
    long Id,
    string Status,
    string Environment,
    string? Ref,
    long? DeployableJobId,
    string? DeployableName,
    string WebUrl);

/// <summary>An active job; <see cref="ResourceGroup"/> is set when it waits on one of the project's resource groups.</summary>
public sealed record CiJobFact(
    string Project,
    long Id,
    string Name,
    string Status,
    string? Ref,
    string WebUrl,
    string? ResourceGroup);

public sealed record CiPipelineFact(string Project, long Id, string Status, string? Ref, string WebUrl);

/// <summary>Raw answers fetched from a CI source, before any decision.</summary>
public sealed record CiFacts(
    IReadOnlyList<CiDeploymentFact> Deployments,
    IReadOnlyList<CiJobFact> Jobs,
    IReadOnlyList<CiPipelineFact> Pipelines);
