namespace HelmUnstick.Engine;

/// <summary>
/// What the engine takes from the process: environment variables, clock and the error stream for warnings. The
/// CLI's environment adds the console; tests pass their own.
/// </summary>
internal record HostEnvironment(Func<string, string?> GetEnvironmentVariable, TimeProvider Clock, TextWriter Error)
{
    public string HomeDirectory =>
        GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary><c>$XDG_STATE_HOME/helm-unstick</c>, falling back to <c>~/.local/state/helm-unstick</c>.</summary>
    public string StateDirectory =>
        Path.Combine(
            GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(HomeDirectory, ".local", "state"),
            "helm-unstick");

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>The credentials this run has loaded, masked in everything it prints or writes (copied along by <c>with</c>).</summary>
    public Safety.Redactor Secrets { get; init; } = new();
}
