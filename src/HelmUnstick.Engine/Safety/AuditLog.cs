using System.Text.Json;
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
    AuditOutcome Outcome,
    string? Backup,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AuditCiJob? CiJob = null);

/// <param name="secrets">Masks credentials in each line (an API error text in an outcome may echo one).</param>
/// <summary>How an audited attempt ended: a closed set, each with the detail its line needs.</summary>
internal enum AuditOutcomeKind
{
    /// <summary>Not yet known: the change is about to be made (never written).</summary>
    Pending,

    /// <summary>The change was made.</summary>
    Changed,

    /// <summary>Another writer changed the object first; the detail says what the history shows.</summary>
    ChangedBySomeoneElse,

    /// <summary>The write failed; the detail says how and what the re-read found.</summary>
    Error,

    /// <summary>A CI job was re-run; the detail names it.</summary>
    Retried,
}

/// <summary>An audit line's outcome, written as the text it always was (<c>changed</c>, <c>error: DETAIL</c>, ...).</summary>
[JsonConverter(typeof(AuditOutcomeJsonConverter))]
internal sealed record AuditOutcome(AuditOutcomeKind Kind, string? Detail = null)
{
    private static readonly (AuditOutcomeKind Kind, string Prefix)[] Prefixes =
        [(AuditOutcomeKind.ChangedBySomeoneElse, "changed by someone else: "), (AuditOutcomeKind.Error, "error: "), (AuditOutcomeKind.Retried, "retried ")];

    public static AuditOutcome Pending { get; } = new(AuditOutcomeKind.Pending);

    public static AuditOutcome Changed { get; } = new(AuditOutcomeKind.Changed);

    /// <summary>The outcome an audit line's text stands for.</summary>
    /// <exception cref="FormatException">Not an outcome helm-unstick writes.</exception>
    public static AuditOutcome Parse(string text) => text switch
    {
        "pending" => Pending,
        "changed" => Changed,
        _ => Prefixes.Where(p => text.StartsWith(p.Prefix, StringComparison.Ordinal)).Select(p => new AuditOutcome(p.Kind, text[p.Prefix.Length..])).FirstOrDefault()
             ?? throw new FormatException($"not an audit outcome: {text}"),
    };

    public override string ToString() => Kind switch
    {
        AuditOutcomeKind.Pending => "pending",
        AuditOutcomeKind.Changed => "changed",
        _ => Prefixes.Single(p => p.Kind == Kind).Prefix + Detail,
    };
}

/// <summary>Writes (and reads) an <see cref="AuditOutcome"/> as its text.</summary>
internal sealed class AuditOutcomeJsonConverter : JsonConverter<AuditOutcome>
{
    public override AuditOutcome Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => AuditOutcome.Parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, AuditOutcome value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

internal sealed class AuditLog(string path, Redactor? secrets = null)
{
    public string Path { get; } = path;

    public static AuditLog For(HostEnvironment env) => new(System.IO.Path.Combine(env.StateDirectory, "audit.log"), env.Secrets);

    /// <summary>
    /// Opens the log for appending before anything is changed: a change that could not be recorded must not happen.
    /// Its folder is created 0700 and the file 0600 (whatever the umask; an existing wider file is narrowed).
    /// </summary>
    /// <exception cref="AuditLogUnavailableException">The log cannot be opened for appending; nothing may be changed.</exception>
    public AuditWriter Open()
    {
        try
        {
            PrivateFile.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            using var stream = AuditWriter.OpenForAppend(Path);
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != PrivateFile.OwnerOnly)
            {
                File.SetUnixFileMode(stream.SafeFileHandle, PrivateFile.OwnerOnly);
            }

            return new AuditWriter(Path, secrets ?? new Redactor());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuditLogUnavailableException($"cannot open the audit log {Path} for appending: {e.Message}");
        }
    }

    public static string CurrentUser(HostEnvironment env) =>
        env.GetEnvironmentVariable("USER") ?? env.GetEnvironmentVariable("LOGNAME") ?? Environment.UserName;
}

/// <summary>The audit log, proven writable before a change, appended to once the change was attempted.</summary>
internal sealed class AuditWriter(string path, Redactor secrets)
{
    /// <summary>
    /// Appends one line and flushes it to disk, holding the file exclusively meanwhile: two helm-unstick processes
    /// (say two fixes racing) must not write over each other's line. Returns why it could not, or null.
    /// </summary>
    /// <remarks>The change has usually happened by then: a lost log line must not hide it, so this never throws.</remarks>
    public string? Append(AuditEntry entry)
    {
        try
        {
            using var stream = OpenForAppend(path);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(secrets.Redact(EngineJson.Serialize(entry, EngineJson.Compact)) + "\n"));
            stream.Flush(flushToDisk: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"could not append to the audit log {path}: {e.Message}";
        }
    }

    /// <summary>Opens the log exclusively (0600 when created), waiting up to 5 s while another process appends to it.</summary>
    public static FileStream OpenForAppend(string path)
    {
        var options = PrivateFile.Options(FileMode.Append, FileAccess.Write);
        options.Share = FileShare.None;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException e) when (IsHeldByAnotherProcess(e) && attempt < 500)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>The file is locked: a sharing violation on Windows, the lock's EWOULDBLOCK errno on Linux (11) and macOS (35).</summary>
    private static bool IsHeldByAnotherProcess(IOException e) => e.HResult is unchecked((int)0x80070020) or 11 or 35;
}

/// <summary>The audit log cannot be written: like an unwritable backup, nothing is changed.</summary>
internal sealed class AuditLogUnavailableException(string message) : Exception(message);
