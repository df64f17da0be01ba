using HelmUnstick.Cli.Kube;
using HelmUnstick.Core.Releases;
using k8s;
using k8s.Models;

namespace HelmUnstick.Cli.Safety;

/// <summary>
/// A whole release Secret saved as JSON before anything changes it. The file is written 0600 (payloads may hold
/// passwords), flushed to disk, read back and decoded: if any of that fails, the change does not happen.
/// </summary>
internal static class SecretBackup
{
    public static string DefaultDirectory(CliEnvironment env, string context, string ns) =>
        DirectoryUnder(Path.Combine(env.StateDirectory, "backups"), context, ns);

    /// <summary>The default layout under another root (<c>serve --backup-dir</c>): one folder per context and namespace.</summary>
    public static string DirectoryUnder(string root, string context, string ns) => Path.Combine(root, Safe(context), Safe(ns));

    /// <summary>Annotations on the saved copy (never on the cluster) naming the cluster it came from.</summary>
    public const string SourceServerAnnotation = "helm-unstick.io/backup-server";

    public const string SourceContextAnnotation = "helm-unstick.io/backup-context";

    /// <exception cref="BackupFailedException">The backup is not safely on disk; the change must not happen.</exception>
    public static string Write(V1Secret secret, string directory, DateTimeOffset now, BackupSource source)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                // Only a folder made here is made private; an existing one (say --backup-dir .) keeps its mode.
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            var path = Path.Combine(directory, $"{secret.Metadata.Name}.{now.UtcDateTime:yyyyMMddTHHmmssfffZ}.json");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.WriteThrough,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(path, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(Document(secret, source));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            var readBack = Read(path);
            if (readBack.Metadata.Uid != secret.Metadata.Uid || readBack.Metadata.ResourceVersion != secret.Metadata.ResourceVersion)
            {
                throw new BackupFailedException($"backup {path} does not read back as the Secret it should hold");
            }

            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BackupFailedException($"cannot write the backup to '{directory}': {e.Message}");
        }
    }

    /// <summary>
    /// The backup document: the whole object as JSON, annotated with the cluster it came from. A file holds exactly
    /// this, and so does a backup Secret's <c>backup.json</c>.
    /// </summary>
    public static string Document(V1Secret secret, BackupSource source)
    {
        // A release ConfigMap is saved as the ConfigMap it is, so that restore puts back the same kind.
        var saved = WithSource(secret, source);
        return saved.Kind == "ConfigMap" ? KubernetesJson.Serialize(ReleaseSecretStore.AsConfigMap(saved)) : KubernetesJson.Serialize(saved);
    }

    private static V1Secret WithSource(V1Secret secret, BackupSource source)
    {
        var copy = KubernetesJson.Deserialize<V1Secret>(KubernetesJson.Serialize(secret));
        copy.Metadata.Annotations = new Dictionary<string, string>(copy.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            [SourceServerAnnotation] = source.Server,
            [SourceContextAnnotation] = source.Context,
        };
        return copy;
    }

    /// <summary>Reads a backup file and proves its payload decodes as a Helm release.</summary>
    public static V1Secret Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"backup {path} cannot be read: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>
    /// A backup document, from a file or a backup Secret (<paramref name="origin"/> names it in messages): a Secret
    /// or ConfigMap with a name, a namespace and a payload that decodes as a Helm release.
    /// </summary>
    public static V1Secret Parse(string text, string origin)
    {
        V1Secret? secret;
        try
        {
            secret = System.Text.Json.Nodes.JsonNode.Parse(text)?["kind"]?.GetValue<string>() == "ConfigMap"
                ? ReleaseSecretStore.AsSecret(KubernetesJson.Deserialize<V1ConfigMap>(text))
                : KubernetesJson.Deserialize<V1Secret>(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"backup {origin} is not a Secret or ConfigMap in JSON: {e.Message}");
        }

        if (secret?.Metadata?.Name is null || secret.Metadata.NamespaceProperty is null)
        {
            throw new CliException(ExitCodes.Usage, $"backup {origin} is not a Secret with a name and namespace");
        }

        if (secret.Data?.TryGetValue("release", out var payload) != true)
        {
            throw new CliException(ExitCodes.Usage, $"backup {origin} holds no Helm release payload (data.release)");
        }

        try
        {
            ReleaseCodec.Decode(payload);
        }
        catch (ReleasePayloadException e)
        {
            throw new CliException(ExitCodes.Usage, $"backup {origin}: {e.Message}");
        }

        return secret;
    }

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}

/// <summary>The cluster a backup was taken from, so that it is never restored into another one by mistake.</summary>
internal sealed record BackupSource(string Context, string Server);

/// <summary>The backup could not be written or did not read back intact.</summary>
internal sealed class BackupFailedException(string message) : Exception(message);
