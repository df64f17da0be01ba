using System.Text.Json;

namespace HelmUnstick.Cli.Safety;

/// <summary>One JSON line per change attempted, appended to <c>$XDG_STATE_HOME/helm-unstick/audit.log</c>.</summary>
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
    string? Backup);

internal static class AuditLog
{
    public static string PathFor(CliEnvironment env) => Path.Combine(env.StateDirectory, "audit.log");

    public static void Append(CliEnvironment env, AuditEntry entry)
    {
        var path = PathFor(env);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.AppendAllText(path, Rendering.Json.Serialize(entry, Rendering.Json.Compact) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The change already happened; losing the log line must not hide that from the operator.
            env.Error.WriteLine($"warning: could not append to the audit log {path}: {e.Message}");
        }
    }

    public static string CurrentUser(CliEnvironment env) =>
        env.GetEnvironmentVariable("USER") ?? env.GetEnvironmentVariable("LOGNAME") ?? Environment.UserName;
}
