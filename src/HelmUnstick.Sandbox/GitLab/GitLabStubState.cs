namespace HelmUnstick.Sandbox.GitLab;

public sealed record GitLabStubProject(long Id, string PathWithNamespace);

public sealed record GitLabStubEnvironment(long Id, long ProjectId, string Name);

public sealed record GitLabStubPipeline(long Id, long ProjectId, string Status, string Ref);

public sealed record GitLabStubJob(long Id, long ProjectId, long PipelineId, string Name, string Status, string Ref, string? ResourceGroup);

public sealed record GitLabStubDeployment(long Id, long Iid, long ProjectId, long EnvironmentId, long JobId, string Status, string Ref);

/// <summary>
/// The in-memory GitLab behind the sandbox's <c>/gitlab</c> API: projects, environments, pipelines, jobs and
/// deployments that a demo can move along (for example by finishing the deploy job).
/// </summary>
public sealed class GitLabStubState
{
    private readonly Lock _gate = new();
    private readonly List<GitLabStubProject> _projects = [];
    private readonly List<GitLabStubEnvironment> _environments = [];
    private readonly List<GitLabStubPipeline> _pipelines = [];
    private readonly List<GitLabStubJob> _jobs = [];
    private readonly List<GitLabStubDeployment> _deployments = [];

    /// <summary>When set, requests without this <c>PRIVATE-TOKEN</c> are answered 401 like GitLab does.</summary>
    public string? RequiredToken { get; init; }

    public const string DemoProject = "gitlab-com/gl-infra/k8s-workloads/gitlab-com";
    public const long DemoDeployJobId = 4101;

    /// <summary>
    /// The demo situation: an auto-deploy pipeline is upgrading <c>gprd</c> while an unrelated pipeline deploys
    /// to <c>gstg</c>.
    /// </summary>
    public static GitLabStubState CreateDemo(string? requiredToken = null)
    {
        var state = new GitLabStubState { RequiredToken = requiredToken };
        state.AddProject(new GitLabStubProject(12, DemoProject));
        state.AddEnvironment(new GitLabStubEnvironment(31, 12, "gprd"));
        state.AddEnvironment(new GitLabStubEnvironment(32, 12, "gstg"));
        state.AddPipeline(new GitLabStubPipeline(2001, 12, "running", "master"));
        state.AddJob(new GitLabStubJob(DemoDeployJobId, 12, 2001, "gprd:upgrade", "running", "master", "gprd"));
        state.AddDeployment(new GitLabStubDeployment(501, 77, 12, 31, DemoDeployJobId, "running", "master"));
        state.AddPipeline(new GitLabStubPipeline(2002, 12, "running", "master"));
        state.AddJob(new GitLabStubJob(4202, 12, 2002, "gstg:upgrade", "running", "master", "gstg"));
        state.AddDeployment(new GitLabStubDeployment(502, 78, 12, 32, 4202, "running", "master"));
        return state;
    }

    public void AddProject(GitLabStubProject project) => Locked(() => _projects.Add(project));

    public void AddEnvironment(GitLabStubEnvironment environment) => Locked(() => _environments.Add(environment));

    public void AddPipeline(GitLabStubPipeline pipeline) => Locked(() => _pipelines.Add(pipeline));

    public void AddJob(GitLabStubJob job) => Locked(() => _jobs.Add(job));

    public void AddDeployment(GitLabStubDeployment deployment) => Locked(() => _deployments.Add(deployment));

    /// <summary>
    /// Finishes a job successfully, with its deployment, and its pipeline once no job of it is left active.
    /// Returns false when there is no such job.
    /// </summary>
    public bool MarkJobFinished(long jobId)
    {
        lock (_gate)
        {
            int index = _jobs.FindIndex(j => j.Id == jobId);
            if (index < 0)
            {
                return false;
            }

            var job = _jobs[index] with { Status = "success" };
            _jobs[index] = job;
            for (int i = 0; i < _deployments.Count; i++)
            {
                if (_deployments[i].JobId == jobId)
                {
                    _deployments[i] = _deployments[i] with { Status = "success" };
                }
            }

            if (_jobs.Where(j => j.PipelineId == job.PipelineId).All(j => j.Status is "success" or "failed" or "canceled" or "skipped"))
            {
                int pipeline = _pipelines.FindIndex(p => p.Id == job.PipelineId);
                if (pipeline >= 0)
                {
                    _pipelines[pipeline] = _pipelines[pipeline] with { Status = "success" };
                }
            }

            return true;
        }
    }

    /// <summary>Finishes the demo's <c>gprd:upgrade</c> job.</summary>
    public bool MarkDeployJobFinished() => MarkJobFinished(DemoDeployJobId);

    internal GitLabStubProject? FindProject(string idOrPath)
    {
        lock (_gate)
        {
            return long.TryParse(idOrPath, out long id)
                ? _projects.FirstOrDefault(p => p.Id == id)
                : _projects.FirstOrDefault(p => string.Equals(p.PathWithNamespace, idOrPath, StringComparison.OrdinalIgnoreCase));
        }
    }

    internal List<GitLabStubEnvironment> Environments(long projectId) => Locked(() => _environments.Where(e => e.ProjectId == projectId).ToList());

    internal List<GitLabStubPipeline> Pipelines(long projectId) => Locked(() => _pipelines.Where(p => p.ProjectId == projectId).ToList());

    internal List<GitLabStubJob> Jobs(long projectId) => Locked(() => _jobs.Where(j => j.ProjectId == projectId).ToList());

    internal List<GitLabStubDeployment> Deployments(long projectId) => Locked(() => _deployments.Where(d => d.ProjectId == projectId).ToList());

    private void Locked(Action action)
    {
        lock (_gate)
        {
            action();
        }
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }
}
