using System.Text.Json.Serialization;

namespace HelmUnstick.Engine.Safety;

/// <summary>The CI job a retry re-ran, for the audit line of <c>retry-ci</c> and <c>fix --retry-ci</c>.</summary>
internal sealed record AuditCiJob(string Source, string Project, long RetriedJob, long Job, string Url);

/// <summary>
/// One JSON line per change attempted (to the release, or a CI job re-run), appended to
/// <c>$XDG_STATE_HOME/helm-unstick/audit.log</c>.
/// </summary>
internal sealed record AuditEntry(
    DateTimeOffset Time,
    string User,
    string Context,
    string Namespace,
    string Secret,
    int Revision,
    string Action,
    IReadOnlyList<string> Reasons,
    string Outcome,
    string? Backup,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AuditCiJob? CiJob = null);

internal sealed class AuditLog(string path)
{
    public string Path { get; } = path;

    public static AuditLog For(HostEnvironment env) => new(System.IO.Path.Combine(env.StateDirectory, "audit.log"));

    /// <summary>Appends one line; returns why it could not, or null.</summary>
    /// <remarks>The change has usually happened by then: a lost log line must not hide it, so this never throws.</remarks>
    public string? Append(AuditEntry entry)
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            File.AppendAllText(Path, EngineJson.Serialize(entry, EngineJson.Compact) + "\n");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"could not append to the audit log {Path}: {e.Message}";
        }
    }

    public static string CurrentUser(HostEnvironment env) =>
        env.GetEnvironmentVariable("USER") ?? env.GetEnvironmentVariable("LOGNAME") ?? Environment.UserName;
}
