namespace HelmUnstick.Core.Backups;

/// <summary>One backup Secret as listed: where it is, whose release it copies and when it was taken.</summary>
public sealed record StoredBackup(string Namespace, string Name, string Release, string ReleaseNamespace, int? Revision, DateTimeOffset? Taken);

/// <summary>Which of a release's backups <c>--backup-keep N</c> removes.</summary>
public static class BackupRetention
{
    public const int DefaultKeep = 20;

    /// <summary>Newest first (by the time taken, then by name); a backup without a time sorts as the oldest.</summary>
    public static IReadOnlyList<StoredBackup> NewestFirst(IEnumerable<StoredBackup> backups) =>
        backups.OrderByDescending(b => b.Taken ?? DateTimeOffset.MinValue).ThenByDescending(b => b.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The backups beyond the newest <paramref name="keep"/>, oldest last. The caller removes them only after a newer
    /// backup (<paramref name="verified"/>, which is never removed) was written and read back.
    /// </summary>
    public static IReadOnlyList<StoredBackup> Beyond(IEnumerable<StoredBackup> backups, int keep, string verified)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var newest = NewestFirst(backups);
        if (!newest.Any(b => b.Name == verified))
        {
            // Nothing newer was verified among these: remove nothing.
            return [];
        }

        return newest.Where(b => b.Name != verified).Skip(keep - 1).ToList();
    }
}
