namespace HelmUnstick.Core.Ci;

public enum CiActivityKind
{
    Pipeline,
    Job,
    Deployment,

    /// <summary>A GitHub Actions workflow run.</summary>
    WorkflowRun,
}

/// <summary>One active pipeline, job or deployment, and whether it stops <c>fix --apply</c>.</summary>
public sealed record CiActivity(
    CiActivityKind Kind,
    long Id,
    string Project,
    string Name,
    string Status,
    string? Environment,
    string? Ref,
    string WebUrl,
    bool Blocks,
    string Why);
