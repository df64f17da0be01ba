using HelmUnstick.Engine.Ci;

namespace HelmUnstick.Cli.Commands;

/// <summary>The preflight flags shared by <c>check</c> and <c>fix</c>: CI sources, overrides and their reason.</summary>
internal sealed class SafetyOptions
{
    public Option<TimeSpan?> StaleAfter { get; } = CommonOptions.StaleAfter();

    public Option<TimeSpan?> HelmTimeout { get; } = CommonOptions.HelmTimeout();

    public Option<bool> Force { get; } = new("--force")
    {
        Description = "Proceed although workloads look unhealthy or a helm process may still own the pending revision (verdict possibly-running or unknown; needs --reason)",
    };

    public Option<bool> SkipCiCheck { get; } = new("--skip-ci-check")
    {
        Description = "Do not ask CI whether a deploy is running (needs --reason; recorded in the audit log)",
    };

    public Option<string?> Reason { get; } = Value("--reason", "TEXT", "Why an override is needed, e.g. an incident id; written to the audit log and, with mark-failed, the revision's description");

    public Option<string?> Config { get; } = Value("--config", "FILE", "CI sources per kube context (default: $XDG_CONFIG_HOME/helm-unstick/config.yaml)");

    public Option<string?> GitLabUrl { get; } = Value("--gitlab-url", "URL", "GitLab instance that runs the deploy jobs, e.g. https://ops.gitlab.net");

    public Option<string[]> GitLabProjects { get; } = Repeatable("--gitlab-project", "PATH|ID", "Project path or id whose pipelines deploy to this cluster (repeatable)");

    public Option<string[]> GitLabEnvironments { get; } = Repeatable("--gitlab-environment", "NAME", "GitLab environment that maps to this cluster (repeatable)");

    public Option<string?> GitLabCaFile { get; } = Value("--gitlab-ca-file", "FILE", "CA bundle for a GitLab with a private CA");

    public Option<string?> GitLabTokenFile { get; } = Value("--gitlab-token-file", "FILE", "File holding the GitLab token (read_api); otherwise $GITLAB_TOKEN. Never passed as a flag value");

    public Option<string?> GitHubUrl { get; } = Value("--github-url", "URL", "GitHub API that runs the deploy workflows (default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3)");

    public Option<string[]> GitHubRepositories { get; } = Repeatable("--github-repository", "OWNER/NAME", "Repository whose Actions workflows deploy to this cluster (repeatable)");

    public Option<string[]> GitHubEnvironments { get; } = Repeatable("--github-environment", "NAME", "GitHub deployment environment that maps to this cluster (repeatable)");

    public Option<string?> GitHubCaFile { get; } = Value("--github-ca-file", "FILE", "CA bundle for a GitHub Enterprise Server with a private CA");

    public Option<string?> GitHubTokenFile { get; } = Value("--github-token-file", "FILE", "File holding the GitHub token (Actions and Deployments read; Actions write to re-run); otherwise $GITHUB_TOKEN. Never passed as a flag value");

    /// <summary>A flag that takes one value.</summary>
    private static Option<string?> Value(string name, string helpName, string description) => new(name) { HelpName = helpName, Description = description };

    /// <summary>A flag given once per value (<c>--gitlab-project a --gitlab-project b</c>).</summary>
    private static Option<string[]> Repeatable(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description, AllowMultipleArgumentsPerToken = false };

    /// <summary>The flags that say which CI sources deploy to the cluster; serve takes them too.</summary>
    public IEnumerable<Option> CiSourceOptions =>
    [
        Config, GitLabUrl, GitLabProjects, GitLabEnvironments, GitLabCaFile, GitLabTokenFile,
        GitHubUrl, GitHubRepositories, GitHubEnvironments, GitHubCaFile, GitHubTokenFile,
    ];

    public Option<TimeSpan?> WaitForCi { get; } = CommonOptions.Duration(
        "--wait-for-ci", "Poll CI until it is quiet or this much time has passed (Go duration, e.g. 10m)", "5m");

    /// <summary>The CI source flags and the liveness windows, without the overrides: for commands that change no release (retry-ci).</summary>
    public void AddCiSourcesTo(Command command)
    {
        foreach (var option in new Option[] { StaleAfter, HelmTimeout }.Concat(CiSourceOptions))
        {
            command.Options.Add(option);
        }
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { StaleAfter, HelmTimeout, Force, SkipCiCheck, Reason }.Concat(CiSourceOptions).Append(WaitForCi))
        {
            command.Options.Add(option);
        }

        // Overrides are decided at parse time: an override without a reason is a usage error, not a runtime surprise.
        command.Validators.Add(r =>
        {
            var reason = r.GetValue(Reason);
            if ((r.GetValue(Force) || r.GetValue(SkipCiCheck)) && string.IsNullOrWhiteSpace(reason))
            {
                r.AddError("--force and --skip-ci-check need --reason TEXT (it goes into the audit log)");
            }
        });
    }

    /// <summary>The engine's request for these flags; CI sources are resolved from the config and flags for the session's context.</summary>
    public UnstickRequest Request(
        ParseResult r, CliEnvironment env, ClusterSession session, string release, string ns, RemediationStrategy strategy, BackupTarget? backup)
    {
        var wait = r.GetValue(WaitForCi);
        return new UnstickRequest(
            release,
            ns,
            strategy,
            new RemediationOverrides(r.GetValue(Force), r.GetValue(SkipCiCheck), r.GetValue(Reason)),
            CommonOptions.StaleAfterValue(r, StaleAfter),
            r.GetValue(HelmTimeout) ?? LivenessRule.DefaultHelmTimeout,
            backup ?? BackupTarget.Files(BackupFiles.DefaultDirectory(env, session.ContextName, ns)),
            new CiRequest(() => CiSettings.Load(session.ContextName, CiFlags(r), env.GetEnvironmentVariable).MaskingTokens(env.Secrets), wait),
            AuditLog.CurrentUser(env));
    }

    public CiFlags CiFlags(ParseResult r) => new(
        r.GetValue(Config),
        r.GetValue(GitLabUrl),
        r.GetValue(GitLabProjects),
        r.GetValue(GitLabEnvironments),
        r.GetValue(GitLabCaFile),
        r.GetValue(GitLabTokenFile),
        r.GetValue(GitHubUrl),
        r.GetValue(GitHubRepositories),
        r.GetValue(GitHubEnvironments),
        r.GetValue(GitHubTokenFile),
        r.GetValue(GitHubCaFile));
}
