namespace HelmUnstick.Sandbox.GitLab;

public sealed record GitLabStubProject(long Id, string PathWithNamespace);

public sealed record GitLabStubEnvironment(long Id, long ProjectId, string Name);

public sealed record GitLabStubPipeline(long Id, long ProjectId, string Status, string Ref);

public sealed record GitLabStubJob(long Id, long ProjectId, long PipelineId, string Name, string Status, string Ref, string? ResourceGroup);

public sealed record GitLabStubDeployment(long Id, long Iid, long ProjectId, long EnvironmentId, long JobId, string Status, string Ref);

/// <summary>Why a retry was refused, as GitLab answers it.</summary>
public enum GitLabStubRetryRefusal
{
    None,
    JobNotFound,
    NotRetryable,
}

/// <summary>
/// The in-memory GitLab behind the sandbox's <c>/gitlab</c> API: projects, environments, pipelines, jobs and
/// deployments that a demo can move along (for example by finishing the deploy job), and retries of failed jobs
/// whose new jobs move one status further each time they are read.
/// </summary>
public sealed class GitLabStubState
{
    private static readonly string[] FinishedStatuses = ["success", "failed", "canceled", "skipped"];

    private readonly Lock _gate = new();
    private readonly List<GitLabStubProject> _projects = [];
    private readonly List<GitLabStubEnvironment> _environments = [];
    private readonly List<GitLabStubPipeline> _pipelines = [];
    private readonly List<GitLabStubJob> _jobs = [];
    private readonly List<GitLabStubDeployment> _deployments = [];
    private readonly Dictionary<long, Queue<string>> _progressions = [];
    private readonly List<long> _retried = [];

    /// <summary>When set, requests without this <c>PRIVATE-TOKEN</c> are answered 401 like GitLab does.</summary>
    public string? RequiredToken { get; init; }

    /// <summary>A token that may read but not retry, like one with only the <c>read_api</c> scope: a retry with it is answered 403.</summary>
    public string? ReadOnlyToken { get; init; }

    /// <summary>The statuses a job created by a retry takes, one per read of that job, after starting <c>pending</c>.</summary>
    public IReadOnlyList<string> RetriedJobProgression { get; set; } = ["running", "success"];

    /// <summary>Called (under no lock) when a job reaches a finished status, e.g. to let a test's "deploy" change the cluster.</summary>
    public Action<GitLabStubJob>? OnJobFinished { get; set; }

    /// <summary>The ids of the jobs retried so far, in order.</summary>
    public IReadOnlyList<long> RetriedJobs => Locked(() => _retried.ToList());

    public const string DemoProject = "gitlab-com/gl-infra/k8s-workloads/gitlab-com";
    public const long DemoDeployJobId = 4101;

    /// <summary>
    /// The demo situation: an auto-deploy pipeline is upgrading <c>gprd</c> while an unrelated pipeline deploys
    /// to <c>gstg</c>.
    /// </summary>
    public static GitLabStubState CreateDemo(string? requiredToken = null, string? readOnlyToken = null)
    {
        var state = new GitLabStubState { RequiredToken = requiredToken, ReadOnlyToken = readOnlyToken };
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

    /// <summary>Finishes a job successfully, with its deployment and pipeline. Returns false when there is no such job.</summary>
    public bool MarkJobFinished(long jobId) => FinishJob(jobId, "success");

    /// <summary>
    /// Ends a job with <paramref name="status"/> (success, failed, canceled), with its deployment, and its pipeline
    /// once no job of it is left active. Returns false when there is no such job.
    /// </summary>
    public bool FinishJob(long jobId, string status)
    {
        GitLabStubJob? finished;
        lock (_gate)
        {
            finished = SetStatus(jobId, status);
        }

        if (finished is null)
        {
            return false;
        }

        OnJobFinished?.Invoke(finished);
        return true;
    }

    /// <summary>
    /// Retries a failed or canceled job as GitLab does: a new job with the same name in the same pipeline, status
    /// <c>pending</c>, and a new deployment of the same environment when the old job deployed.
    /// </summary>
    public (GitLabStubJob? Job, GitLabStubRetryRefusal Refusal) Retry(long projectId, long jobId)
    {
        lock (_gate)
        {
            var old = _jobs.FirstOrDefault(j => j.Id == jobId && j.ProjectId == projectId);
            if (old is null)
            {
                return (null, GitLabStubRetryRefusal.JobNotFound);
            }

            if (old.Status is not ("failed" or "canceled"))
            {
                return (null, GitLabStubRetryRefusal.NotRetryable);
            }

            var job = old with { Id = _jobs.Max(j => j.Id) + 1, Status = "pending" };
            _jobs.Add(job);
            _progressions[job.Id] = new Queue<string>(RetriedJobProgression);
            _retried.Add(jobId);
            if (_deployments.LastOrDefault(d => d.JobId == jobId) is { } deployment)
            {
                _deployments.Add(deployment with
                {
                    Id = _deployments.Max(d => d.Id) + 1,
                    Iid = _deployments.Where(d => d.ProjectId == projectId).Max(d => d.Iid) + 1,
                    JobId = job.Id,
                    Status = "created",
                });
            }

            int pipeline = _pipelines.FindIndex(p => p.Id == job.PipelineId);
            if (pipeline >= 0)
            {
                _pipelines[pipeline] = _pipelines[pipeline] with { Status = "running" };
            }

            return (job, GitLabStubRetryRefusal.None);
        }
    }

    /// <summary>A job as GitLab shows it now; a retried job moves one step along its progression each time it is read.</summary>
    internal GitLabStubJob? ReadJob(long projectId, long jobId)
    {
        GitLabStubJob? job;
        GitLabStubJob? finished = null;
        lock (_gate)
        {
            job = _jobs.FirstOrDefault(j => j.Id == jobId && j.ProjectId == projectId);
            if (job is not null && _progressions.TryGetValue(jobId, out var steps) && steps.TryDequeue(out var next))
            {
                job = SetStatus(jobId, next);
                finished = FinishedStatuses.Contains(next) ? job : null;
            }
        }

        if (finished is not null)
        {
            OnJobFinished?.Invoke(finished);
        }

        return job;
    }

    /// <summary>Sets a job's status and its deployment's; ends its pipeline when none of its jobs is active any more.</summary>
    private GitLabStubJob? SetStatus(long jobId, string status)
    {
        int index = _jobs.FindIndex(j => j.Id == jobId);
        if (index < 0)
        {
            return null;
        }

        var job = _jobs[index] with { Status = status };
        _jobs[index] = job;
        for (int i = 0; i < _deployments.Count; i++)
        {
            if (_deployments[i].JobId == jobId)
            {
                _deployments[i] = _deployments[i] with { Status = status == "pending" ? "created" : status };
            }
        }

        var jobsOfPipeline = _jobs.Where(j => j.PipelineId == job.PipelineId).ToList();
        int pipeline = _pipelines.FindIndex(p => p.Id == job.PipelineId);
        if (pipeline >= 0 && jobsOfPipeline.All(j => FinishedStatuses.Contains(j.Status)))
        {
            _pipelines[pipeline] = _pipelines[pipeline] with { Status = jobsOfPipeline.All(j => j.Status is "success" or "skipped") ? "success" : "failed" };
        }

        return job;
    }

    /// <summary>Finishes the demo's <c>gprd:upgrade</c> job.</summary>
    public bool MarkDeployJobFinished() => MarkJobFinished(DemoDeployJobId);

    /// <summary>Fails the demo's <c>gprd:upgrade</c> job, as when the helm it ran was killed.</summary>
    public bool MarkDeployJobFailed() => FinishJob(DemoDeployJobId, "failed");

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
