using System.Text;

namespace HelmUnstick.Cli.Commands;

/// <summary>
/// <c>--report FILE</c> and <c>--force-report</c>: the incident note never replaces an existing file unless asked,
/// and never writes through a symlink. Checked at parse time, so that a fix is not made before its note is refused.
/// </summary>
internal sealed class ReportOptions(string description)
{
    public Option<string?> File { get; } = new("--report")
    {
        HelpName = "FILE",
        Description = $"{description}. An existing FILE (or a symlink) is refused unless --force-report",
    };

    public Option<bool> Force { get; } = new("--force-report")
    {
        Description = "Let --report replace an existing FILE; a symlink there is replaced by the note, never followed",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Force);
        command.Validators.Add(r =>
        {
            var path = r.GetValue(File);
            if (path is null)
            {
                if (r.GetValue(Force))
                {
                    r.AddError("--force-report goes with --report FILE");
                }
            }
            else if (Directory.Exists(path))
            {
                r.AddError($"--report {path} is a directory; give a file name");
            }
            else if (!r.GetValue(Force) && Exists(path))
            {
                r.AddError($"--report {path} already exists; choose another FILE, or pass --force-report to replace it");
            }
        });
    }

    public string? PathOf(ParseResult result) => result.GetValue(File);

    /// <summary>Writes the note, credentials masked, to <c>--report</c>'s FILE (which must not exist, unless <c>--force-report</c>).</summary>
    /// <exception cref="CliException">The note cannot be written there.</exception>
    public void Write(ParseResult result, CliEnvironment env, string markdown) =>
        Write(result.GetValue(File)!, env.Secrets.Redact(markdown), replace: result.GetValue(Force));

    /// <summary>
    /// Writes the note readable only by its owner (it names Secrets, backups and possibly values), through a temporary
    /// file renamed into place: no partial note, and a symlink at <paramref name="path"/> is never followed.
    /// </summary>
    /// <param name="replace">Replace an existing file (or symlink); otherwise an existing one is refused.</param>
    public static void Write(string path, string markdown, bool replace)
    {
        try
        {
            PrivateFile.WriteAtomically(path, stream => stream.Write(Encoding.UTF8.GetBytes(markdown)), replace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"cannot write the report to {path}: {e.Message}");
        }
    }

    /// <summary>A file, or a symlink even when it points nowhere.</summary>
    private static bool Exists(string path) => System.IO.File.Exists(path) || new FileInfo(path).LinkTarget is not null;
}
