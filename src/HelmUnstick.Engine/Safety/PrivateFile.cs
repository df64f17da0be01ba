namespace HelmUnstick.Engine.Safety;

/// <summary>Files only their owner may read (backups, the audit log, reports): 0600 whatever the umask.</summary>
internal static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>
    /// Writes a new file through a temporary one beside it (flushed to disk, then renamed without replacing anything):
    /// <paramref name="path"/> ends up holding the whole content or not existing, never a partial file (a full disk).
    /// </summary>
    /// <param name="replace">Rename over an existing file; a symlink there is itself replaced, never followed.</param>
    /// <exception cref="IOException">Also when <paramref name="path"/> already exists (and not <paramref name="replace"/>).</exception>
    public static void WriteAtomically(string path, Action<Stream> write, bool replace = false)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, Options(FileMode.CreateNew, FileAccess.Write)))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: replace);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> atomically to <c>STEM.EXT</c>, or <c>STEM.1.EXT</c>, <c>STEM.2.EXT</c>... when
    /// another process took the name first (two runs in the same millisecond); returns the path written.
    /// </summary>
    public static string WriteNew(string stem, string extension, byte[] content)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var path = attempt == 0 ? stem + extension : $"{stem}.{attempt}{extension}";
            try
            {
                if (!File.Exists(path))
                {
                    WriteAtomically(path, stream => stream.Write(content));
                    return path;
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                // Taken meanwhile by another process: try the next name.
            }
        }

        throw new IOException($"{stem}{extension} and the next 99 names are all taken");
    }

    /// <summary>Creates a directory (and its parents) 0700; an existing one keeps its mode.</summary>
    public static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }
    }

    /// <summary>Open options that create the file 0600 (the umask cannot widen it).</summary>
    public static FileStreamOptions Options(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }
}
