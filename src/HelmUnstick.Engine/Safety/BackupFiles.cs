using System.Text;
using HelmUnstick.Core.Credentials;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Unstick;
using k8s;
using k8s.Models;

namespace HelmUnstick.Engine.Safety;

/// <summary>
/// A whole release object (Secret or ConfigMap) saved as JSON before anything changes it. The file is written 0600 (payloads may hold
/// passwords), flushed to disk, read back and decoded: if any of that fails, the change does not happen.
/// </summary>
internal static class BackupFiles
{
    public static string DefaultDirectory(HostEnvironment env, string context, string ns) =>
        DirectoryUnder(Path.Combine(env.StateDirectory, "backups"), context, ns);

    /// <summary>The default layout under another root (<c>serve --backup-dir</c>): one folder per context and namespace.</summary>
    public static string DirectoryUnder(string root, string context, string ns) => Path.Combine(root, Safe(context), Safe(ns));

    /// <exception cref="BackupFailedException">The backup is not safely on disk; the change must not happen.</exception>
    public static string Write(V1Secret secret, StorageDriver driver, string directory, DateTimeOffset now, BackupSource source)
    {
        try
        {
            // Only a folder made here is made private; an existing one (say --backup-dir .) keeps its mode.
            PrivateFile.CreateDirectory(directory);

            var path = PrivateFile.WriteNew(Path.Combine(directory, $"{secret.Metadata.Name}.{now.UtcDateTime:yyyyMMddTHHmmssfffZ}"), ".json", Document(secret, driver, source));

            var readBack = Parse(File.ReadAllBytes(path), path);
            if (readBack.Uid != secret.Metadata.Uid || readBack.ResourceVersion != secret.Metadata.ResourceVersion)
            {
                throw new BackupFailedException($"backup {path} does not read back as the Secret it should hold");
            }

            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BackupFailedException($"cannot write the backup to '{directory}': {e.Message}");
        }
        catch (EngineException e)
        {
            throw new BackupFailedException($"the backup would not restore: {e.Message}");
        }
    }

    /// <summary>
    /// The backup document: the whole object as JSON, annotated with the cluster it came from. A file holds exactly
    /// these bytes, and so does a backup Secret's <c>backup.json</c>.
    /// </summary>
    public static byte[] Document(V1Secret secret, StorageDriver driver, BackupSource source)
    {
        // A release ConfigMap is saved as the ConfigMap it is, so that restore puts back the same kind.
        var saved = WithSource(secret, source);
        return Encoding.UTF8.GetBytes(driver == StorageDriver.ConfigMap ? KubernetesJson.Serialize(KubeReleaseStore.AsConfigMap(saved)) : KubernetesJson.Serialize(saved));
    }

    private static V1Secret WithSource(V1Secret secret, BackupSource source)
    {
        var copy = KubernetesJson.Deserialize<V1Secret>(KubernetesJson.Serialize(secret));
        copy.Metadata.Annotations = new Dictionary<string, string>(copy.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            // Without user info: a kubeconfig's "https://user:password@host" must not end up in a file.
            [ReleaseBackup.SourceServerAnnotation] = ServerUrl.WithoutUserInfo(source.Server),
            [ReleaseBackup.SourceContextAnnotation] = source.Context,
        };
        return copy;
    }

    /// <summary>
    /// Reads a backup file and proves it is a Helm release object whose parts agree (see <see cref="ReleaseBackup"/>).
    /// A file over 4 MiB is refused before it is read; a device or pipe is read no further than that.
    /// </summary>
    /// <exception cref="EngineException">Invalid request: not a backup, too large or unreadable; refused: not a Helm release object.</exception>
    public static ReleaseBackup Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > ReleaseBackup.MaxFileBytes)
            {
                throw TooLarge(path);
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            bytes = ReadAtMost(stream, ReleaseBackup.MaxFileBytes + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"backup {path} cannot be read: {e.Message}");
        }

        return bytes.Length > ReleaseBackup.MaxFileBytes ? throw TooLarge(path) : Parse(bytes, path);
    }

    /// <summary>Checks a backup document (from a file or any other place that holds one) for restore.</summary>
    /// <param name="source">Where the document came from, for the message.</param>
    /// <exception cref="EngineException">Invalid request: not a backup; refused: not a Helm release object.</exception>
    public static ReleaseBackup Parse(ReadOnlySpan<byte> document, string source)
    {
        try
        {
            return ReleaseBackup.Parse(document);
        }
        catch (BackupRejectedException e) when (e.Problem == BackupProblem.NotABackup)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"{source} is not a backup written by 'fix --apply': {e.Message}; nothing was changed");
        }
        catch (BackupRejectedException e)
        {
            throw new EngineException(UnstickFailure.Refused, $"{source} is refused: {e.Message}; restore writes only Helm release objects. Nothing was changed");
        }
    }

    /// <summary>The object a backup stands for, to be written back: only what the checked backup holds.</summary>
    public static V1Secret ToObject(ReleaseBackup backup, string? resourceVersion) => new()
    {
        ApiVersion = "v1",
        Kind = backup.Driver.Kind(),
        Type = backup.Driver == StorageDriver.Secret ? ReleaseBackup.HelmSecretType : null,
        Data = new Dictionary<string, byte[]> { ["release"] = backup.Payload },
        Immutable = backup.Immutable,
        Metadata = new V1ObjectMeta
        {
            Name = backup.Name,
            NamespaceProperty = backup.Namespace,
            Labels = backup.Labels.ToDictionary(),
            Annotations = backup.Annotations.Count > 0 ? backup.Annotations.ToDictionary() : null,
            ResourceVersion = resourceVersion,
        },
    };

    private static EngineException TooLarge(string path) =>
        new(UnstickFailure.InvalidRequest, $"backup {path} is larger than {ReleaseBackup.MaxFileBytes / 1024 / 1024} MiB, so it is not a backup written by 'fix --apply'; nothing was read or changed");

    private static byte[] ReadAtMost(Stream stream, int limit)
    {
        var buffer = new byte[Math.Min(limit, 64 * 1024)];
        using var memory = new MemoryStream();
        int read;
        while (memory.Length < limit && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - memory.Length))) > 0)
        {
            memory.Write(buffer, 0, read);
        }

        return memory.ToArray();
    }

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}

/// <summary>The cluster a backup was taken from, so that it is never restored into another one by mistake.</summary>
internal sealed record BackupSource(string Context, string Server);

/// <summary>The backup could not be written or did not read back intact.</summary>
internal sealed class BackupFailedException(string message) : Exception(message);
