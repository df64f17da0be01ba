namespace HelmUnstick.Sandbox.GitHub;

public sealed record GitHubStubRepository(long Id, string FullName);

/// <summary>A workflow run; <see cref="Conclusion"/> is set once <see cref="Status"/> is <c>completed</c>.</summary>
public sealed record GitHubStubRun(
    long Id,
    long RepositoryId,
    string Name,
    int RunNumber,
    string WorkflowFile,
    string Status,
    string? Conclusion,
    string Branch,
    int RunAttempt,
    DateTimeOffset CreatedAt);

public sealed record GitHubStubDeploymentStatus(long Id, string State, DateTimeOffset CreatedAt);

/// <summary>A deployment made by a run's job; its statuses are kept oldest first and served newest first.</summary>
public sealed record GitHubStubDeployment(
    long Id,
    long RepositoryId,
    long RunId,
    string Environment,
    string Ref,
    DateTimeOffset CreatedAt,
    IReadOnlyList<GitHubStubDeploymentStatus> Statuses);

/// <summary>Why a re-run of failed jobs was refused.</summary>
public enum GitHubStubRerunRefusal
{
    None,
    RunNotFound,
    StillRunning,
    NothingFailed,
}

/// <summary>
/// The in-memory GitHub behind the sandbox's <c>/github</c> API: a repository whose Actions workflow runs deploy to
/// environments (each deploy job records a deployment and its statuses), runs that can be started, finished or
/// failed, and re-runs of failed jobs whose run moves one status further each time it is read.
/// </summary>
public sealed class GitHubStubState
{
    public const string DemoRepository = "acme/platform-deploy";
    public const string DemoWorkflow = "deploy.yml";

    /// <summary>The scenarios <see cref="Create"/> knows.</summary>
    public static readonly IReadOnlyList<string> ScenarioNames = ["quiet", "deploying", "failed-run"];

    private static readonly DateTimeOffset Epoch = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private readonly List<GitHubStubRepository> _repositories = [];
    private readonly List<GitHubStubRun> _runs = [];
    private readonly List<GitHubStubDeployment> _deployments = [];
    private readonly Dictionary<long, Queue<string>> _progressions = [];
    private readonly List<long> _rerun = [];
    private long _nextStatusId = 1;

    /// <summary>When set, requests must carry <c>Authorization: Bearer</c> (or <c>token</c>) with this value, else 401.</summary>
    public string? RequiredToken { get; init; }

    /// <summary>A token that may read but not re-run, like one without the Actions write permission: a re-run with it is answered 403.</summary>
    public string? ReadOnlyToken { get; init; }

    /// <summary>
    /// What a re-run run does on each read after it was queued: <c>in_progress</c>, then a conclusion
    /// (<c>success</c>, <c>failure</c>, <c>cancelled</c>) that completes it.
    /// </summary>
    public IReadOnlyList<string> RerunProgression { get; set; } = ["in_progress", "success"];

    /// <summary>The ids of the runs whose failed jobs were re-run, in order.</summary>
    public IReadOnlyList<long> RerunRuns => Locked(() => _rerun.ToList());

    /// <summary>
    /// <c>quiet</c>: <see cref="DemoRepository"/> deployed production-eu and staging successfully (runs 9001, 9002);
    /// <c>deploying</c>: then a run deploys to production-eu right now;
    /// <c>failed-run</c>: then a deploy to production-eu failed (run 9003), and after it one to staging (run 9004).
    /// </summary>
    public static GitHubStubState Create(string scenario, string? requiredToken = null, string? readOnlyToken = null)
    {
        if (!ScenarioNames.Contains(scenario))
        {
            throw new ArgumentException($"unknown GitHub scenario '{scenario}' (built-in: {string.Join(", ", ScenarioNames)})", nameof(scenario));
        }

        var state = new GitHubStubState { RequiredToken = requiredToken, ReadOnlyToken = readOnlyToken };
        state._repositories.Add(new GitHubStubRepository(700, DemoRepository));
        state.FinishRun(state.StartDeploy("production-eu"), "success");
        state.FinishRun(state.StartDeploy("staging"), "success");
        if (scenario == "deploying")
        {
            state.StartDeploy("production-eu");
        }
        else if (scenario == "failed-run")
        {
            state.FinishRun(state.StartDeploy("production-eu"), "failure");
            state.FinishRun(state.StartDeploy("staging"), "failure");
        }

        return state;
    }

    /// <summary>Starts a run of <see cref="DemoWorkflow"/> whose deploy job is deploying to <paramref name="environment"/>; returns its id.</summary>
    public long StartDeploy(string environment, string workflowFile = DemoWorkflow)
    {
        lock (_gate)
        {
            long runId = 9001 + _runs.Count;
            var created = Epoch.AddMinutes(10 * _runs.Count);
            _runs.Add(new GitHubStubRun(runId, 700, workflowFile == DemoWorkflow ? "Deploy" : workflowFile, _runs.Count + 41, workflowFile, "in_progress", null, "main", 1, created));
            _deployments.Add(new GitHubStubDeployment(
                301 + _deployments.Count, 700, runId, environment, "main", created, [Status("queued", created), Status("in_progress", created.AddSeconds(5))]));
            return runId;
        }
    }

    /// <summary>Completes a run with <paramref name="conclusion"/> (success, failure, cancelled), with its deployments' final status.</summary>
    public bool FinishRun(long runId, string conclusion)
    {
        lock (_gate)
        {
            return Advance(runId, conclusion) is not null;
        }
    }

    /// <summary>
    /// Re-runs the failed jobs of a completed, unsuccessful run: it is queued again with its attempt counted up, and
    /// each environment it deployed to gets a new deployment, as the re-run deploy job creates one.
    /// </summary>
    public GitHubStubRerunRefusal RerunFailedJobs(long repositoryId, long runId)
    {
        lock (_gate)
        {
            int index = _runs.FindIndex(r => r.Id == runId && r.RepositoryId == repositoryId);
            if (index < 0)
            {
                return GitHubStubRerunRefusal.RunNotFound;
            }

            var run = _runs[index];
            if (run.Status != "completed")
            {
                return GitHubStubRerunRefusal.StillRunning;
            }

            if (run.Conclusion == "success")
            {
                return GitHubStubRerunRefusal.NothingFailed;
            }

            _runs[index] = run with { Status = "queued", Conclusion = null, RunAttempt = run.RunAttempt + 1 };
            _progressions[runId] = new Queue<string>(RerunProgression);
            _rerun.Add(runId);
            var now = _runs.Max(r => r.CreatedAt).AddMinutes(10);
            foreach (string environment in _deployments.Where(d => d.RunId == runId).Select(d => d.Environment).Distinct().ToList())
            {
                _deployments.Add(new GitHubStubDeployment(301 + _deployments.Count, repositoryId, runId, environment, run.Branch, now, [Status("queued", now)]));
            }

            return GitHubStubRerunRefusal.None;
        }
    }

    internal GitHubStubRepository? FindRepository(string owner, string name)
    {
        string fullName = $"{owner}/{name}";
        return Locked(() => _repositories.FirstOrDefault(r => string.Equals(r.FullName, fullName, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>A run as GitHub shows it now; a re-run run moves one step along its progression each time it is read.</summary>
    internal GitHubStubRun? ReadRun(long repositoryId, long runId)
    {
        lock (_gate)
        {
            var run = _runs.FirstOrDefault(r => r.Id == runId && r.RepositoryId == repositoryId);
            return run is not null && _progressions.TryGetValue(runId, out var steps) && steps.TryDequeue(out var next) ? Advance(runId, next) : run;
        }
    }

    internal List<GitHubStubRun> Runs(long repositoryId) => Locked(() => _runs.Where(r => r.RepositoryId == repositoryId).ToList());

    internal List<GitHubStubDeployment> Deployments(long repositoryId) => Locked(() => _deployments.Where(d => d.RepositoryId == repositoryId).ToList());

    /// <summary>Moves a run to <c>in_progress</c> or completes it with a conclusion; its newest deployments follow.</summary>
    private GitHubStubRun? Advance(long runId, string step)
    {
        int index = _runs.FindIndex(r => r.Id == runId);
        if (index < 0)
        {
            return null;
        }

        bool running = step is "queued" or "in_progress";
        var run = _runs[index] = _runs[index] with { Status = running ? step : "completed", Conclusion = running ? null : step };
        string deploymentState = step switch
        {
            "queued" or "in_progress" or "success" => step,
            "cancelled" => "error",
            _ => "failure",
        };
        var newestDeployments = _deployments.Where(d => d.RunId == runId).GroupBy(d => d.Environment).Select(g => g.Last()).ToList();
        foreach (var deployment in newestDeployments)
        {
            int at = _deployments.IndexOf(deployment);
            var time = deployment.Statuses[^1].CreatedAt.AddMinutes(1);
            _deployments[at] = deployment with { Statuses = [.. deployment.Statuses, Status(deploymentState, time)] };
        }

        return run;
    }

    private GitHubStubDeploymentStatus Status(string state, DateTimeOffset at) => new(_nextStatusId++, state, at);

    private T Locked<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }
}
