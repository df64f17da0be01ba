using HelmUnstick.Engine.Kube;
using HelmUnstick.Core.Backups;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s.Models;

namespace HelmUnstick.Engine.Safety;

/// <summary>Where backups are kept: <c>--backup-store file|secret</c>.</summary>
internal enum BackupStoreKind
{
    /// <summary>JSON files (mode 0600) in a directory on this machine or the pod's volume.</summary>
    File,

    /// <summary>Secrets in the cluster, which outlive the pod that wrote them.</summary>
    Secret,
}

/// <summary>Where a fix saves the release Secret before changing it.</summary>
/// <param name="Location">The directory (file), or the namespace of the backup Secrets (secret).</param>
/// <param name="Keep">Backup Secrets kept per release: the oldest beyond it are removed once a newer one is verified.</param>
internal sealed record BackupTarget(BackupStoreKind Kind, string Location, int Keep = BackupRetention.DefaultKeep)
{
    public static BackupTarget Files(string directory) => new(BackupStoreKind.File, directory);

    /// <summary>Written and read back before the change; nothing changes when that fails.</summary>
    /// <exception cref="BackupFailedException">The backup is not safely stored.</exception>
    public async Task<WrittenBackup> WriteAsync(ClusterSession session, V1Secret secret, StoredRevision revision, StorageDriver driver, DateTimeOffset now, CancellationToken ct)
    {
        var source = new BackupSource(session.ContextName, session.Server);
        return Kind == BackupStoreKind.File
            ? new WrittenBackup(BackupFiles.Write(secret, driver, Location, now, source), [])
            : await new InClusterBackups(session).WriteAsync(this, secret, revision, driver, now, source, ct);
    }
}

/// <summary>A backup that was written and read back.</summary>
/// <param name="Location">A file's path, or <c>secret://NAMESPACE/NAME</c>: what <c>restore</c> takes.</param>
/// <param name="Warnings">What went wrong after it was verified (removing older backups): the change may go ahead.</param>
internal sealed record WrittenBackup(string Location, IReadOnlyList<string> Warnings);
