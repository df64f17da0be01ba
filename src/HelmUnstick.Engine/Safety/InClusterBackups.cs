using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Unstick;
using HelmUnstick.Core.Backups;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s;
using k8s.Models;

namespace HelmUnstick.Engine.Safety;

/// <summary>
/// Backups as Secrets of type <c>helm-unstick.io/backup.v1</c>: each holds in <c>backup.json</c> exactly the
/// document a backup file holds, so <c>restore</c> checks both the same way. Written, read back and compared
/// before the change; the release's oldest backups beyond <c>--backup-keep</c> are removed only after that.
/// </summary>
internal sealed class InClusterBackups(ClusterSession session)
{
    private const int PageSize = 500;

    /// <exception cref="BackupFailedException">The backup is not safely in the cluster; the change must not happen.</exception>
    public async Task<WrittenBackup> WriteAsync(
        BackupTarget target, V1Secret secret, StoredRevision revision, StorageDriver driver, DateTimeOffset now, BackupSource source, CancellationToken ct)
    {
        var ns = target.Location;
        var name = BackupSecret.Name(revision.ReleaseName, revision.Revision, now);
        var uri = BackupSecret.Uri(ns, name);
        var document = BackupFiles.Document(secret, driver, source);
        var body = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = BackupSecret.Type,
            Immutable = true,
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(BackupSecret.Labels(revision.ReleaseName, revision.Namespace, revision.Revision, driver)),
                Annotations = new Dictionary<string, string> { [BackupSecret.TakenAnnotation] = Stamp(now) },
            },
            Data = new Dictionary<string, byte[]> { [BackupSecret.DataKey] = document },
        };

        try
        {
            await session.Client.CoreV1.CreateNamespacedSecretAsync(body, ns, cancellationToken: ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.Conflict)
        {
            // Taken this second already (a fix run again at once): that backup will do if it holds this very Secret.
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw new BackupFailedException($"cannot write the backup Secret {ns}/{name}: {KubeErrors.Describe(e, session, $"creating Secret {ns}/{name}")}");
        }

        await ReadBackAsync(ns, name, secret, ct);
        return new WrittenBackup(uri, await RemoveBeyondAsync(target, revision, name, ct));
    }

    /// <summary>The backup as stored must be a backup of exactly this Secret (same uid and resourceVersion).</summary>
    private async Task ReadBackAsync(string ns, string name, V1Secret secret, CancellationToken ct)
    {
        V1Secret? stored;
        try
        {
            stored = await session.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw new BackupFailedException($"the backup Secret {ns}/{name} cannot be read back: {KubeErrors.Describe(e, session, $"reading Secret {ns}/{name}")}");
        }

        // Checked as restore will check it: a backup that would not restore is no backup.
        ReleaseBackup? copy = null;
        try
        {
            copy = Document(stored) is { } document ? BackupFiles.Parse(document, BackupSecret.Uri(ns, name)) : null;
        }
        catch (EngineException)
        {
            // Reported below as not reading back.
        }

        if (copy?.Uid != secret.Metadata.Uid || copy?.ResourceVersion != secret.Metadata.ResourceVersion)
        {
            throw new BackupFailedException($"the backup Secret {ns}/{name} does not read back as the Secret it should hold");
        }
    }

    /// <summary>Removes the release's backups beyond the newest <c>Keep</c>; a failure is a warning, never a reason to stop.</summary>
    private async Task<IReadOnlyList<string>> RemoveBeyondAsync(BackupTarget target, StoredRevision revision, string verified, CancellationToken ct)
    {
        var warnings = new List<string>();
        try
        {
            var listed = await ListAsync(target.Location, revision.ReleaseName, revision.Namespace, ct);
            foreach (var old in BackupRetention.Beyond(listed, target.Keep, verified))
            {
                try
                {
                    await session.Client.CoreV1.DeleteNamespacedSecretAsync(old.Name, old.Namespace, cancellationToken: ct);
                }
                catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.NotFound)
                {
                    // Removed already (by another replica's fix of the same release).
                }
            }
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            warnings.Add($"older backups of release {revision.ReleaseName} beyond --backup-keep {target.Keep} were not all removed: {KubeErrors.Describe(e, session, $"removing backup Secrets in namespace {target.Location}")}");
        }

        return warnings;
    }

    /// <summary>
    /// Backup Secrets' metadata (no data) in one namespace or all of them, of one release or every one, newest first.
    /// </summary>
    public async Task<IReadOnlyList<StoredBackup>> ListAsync(string? ns, string? release, string? releaseNamespace, CancellationToken ct)
    {
        var path = ns is null ? "api/v1/secrets" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets";
        var selector = Uri.EscapeDataString(BackupSecret.Selector(release, releaseNamespace));
        var backups = new List<StoredBackup>();
        string? continueToken = null;
        do
        {
            var page = await KubeHttp.GetJsonAsync(session, $"{path}?labelSelector={selector}&limit={PageSize}" +
                (continueToken is null ? "" : $"&continue={Uri.EscapeDataString(continueToken)}"), KubeReleaseStore.MetadataOnlyAccept, ct);
            backups.AddRange((page["items"] as JsonArray ?? []).OfType<JsonObject>().Select(item => item["metadata"]).OfType<JsonObject>().Select(Listed));
            continueToken = page["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } token ? token : null;
        }
        while (continueToken is not null);

        return BackupRetention.NewestFirst(backups);
    }

    /// <summary>
    /// The backup document a backup Secret holds (<c>restore secret://NAMESPACE/NAME</c>).
    /// </summary>
    /// <exception cref="EngineException">Invalid request: no such Secret, or not a backup; cluster error: the API failed.</exception>
    public async Task<byte[]> ReadDocumentAsync(string ns, string name, CancellationToken ct)
    {
        var uri = BackupSecret.Uri(ns, name);
        V1Secret stored;
        try
        {
            stored = await session.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.NotFound)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"backup {uri} does not exist (context {session.ContextName}); list backups with: helm-unstick backups -n {ns}");
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading backup {uri}");
        }

        return Document(stored) ?? throw new EngineException(UnstickFailure.InvalidRequest,
            $"{uri} is not a helm-unstick backup: a backup is a Secret of type {BackupSecret.Type} with the key {BackupSecret.DataKey}, this one is of type {stored.Type ?? "(none)"}");
    }

    private static byte[]? Document(V1Secret stored) =>
        stored.Type == BackupSecret.Type && stored.Data?.TryGetValue(BackupSecret.DataKey, out var bytes) == true ? bytes : null;

    private static StoredBackup Listed(JsonObject metadata)
    {
        var labels = metadata["labels"] as JsonObject;
        var annotations = metadata["annotations"] as JsonObject;
        string? Text(JsonObject? o, string key) => o?[key]?.GetValue<string>();
        var taken = Time(Text(annotations, BackupSecret.TakenAnnotation)) ?? Time(metadata["creationTimestamp"]?.GetValue<string>());
        return new StoredBackup(
            Text(metadata, "namespace") ?? "",
            Text(metadata, "name") ?? "",
            Text(labels, BackupSecret.ReleaseLabel) ?? "",
            Text(labels, BackupSecret.NamespaceLabel) ?? "",
            int.TryParse(Text(labels, BackupSecret.RevisionLabel), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : null,
            taken);
    }

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
