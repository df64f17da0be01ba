using System.CommandLine;
using HelmUnstick.Cli.Kube;
using HelmUnstick.Cli.Safety;
using k8s.Models;

using HelmUnstick.Core.Backups;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Cli.Commands;

/// <summary><c>restore</c>: puts a backed-up release Secret back exactly as it was.</summary>
internal sealed class RestoreCommand(CommonOptions common, CliEnvironment env)
{
    private readonly Argument<string> _backup = new("BACKUP")
    {
        Description = "A backup file written by 'fix --apply', or secret://NAMESPACE/NAME: a backup Secret (--backup-store secret; list them with 'helm-unstick backups')",
    };
    private readonly Option<bool> _apply = new("--apply") { Description = "Make the change (default: say what would happen)" };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask for confirmation (required with --apply when not at a terminal)" };

    public Command Build()
    {
        var command = new Command("restore", """
            Re-create a backed-up release Secret exactly (name, namespace, type, labels, annotations, data).
            BACKUP is a backup file, or secret://NAMESPACE/NAME for a backup kept as a Secret in the cluster; both hold
            the same document and are checked the same way.
            When the Secret is absent it is created; when the same Secret (same uid) was changed by 'fix --strategy
            mark-failed' it is put back; when a different Secret holds the name, restore refuses.
            Exit codes: 0 restored (or already identical), 1 refused, 2 usage error, 3 API error.
            """)
        {
            _backup, _apply, _yes,
        };
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var location = result.GetValue(_backup)!;
        var inCluster = BackupSecret.TryParseUri(location, out var backupNamespace, out var backupName);
        if (!inCluster && location.StartsWith(BackupSecret.UriScheme, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Usage, $"'{location}' is not secret://NAMESPACE/NAME; list backups with: helm-unstick backups -A");
        }

        // A file is checked before anything else; a backup Secret once the cluster can be asked for it.
        var fileBackup = inCluster ? null : SecretBackup.Read(location);
        var apply = result.GetValue(_apply);
        if (apply && !result.GetValue(_yes) && !env.IsInteractive)
        {
            throw new CliException(ExitCodes.Usage, "--apply without a terminal needs --yes; nothing was changed");
        }

        using var session = ClusterSession.Connect(common.Target(result), env);
        var backup = fileBackup ?? SecretBackup.Parse(await new InClusterBackups(session).ReadDocumentAsync(backupNamespace, backupName, ct), location);
        // The backup's kind says which driver's object it is.
        var driver = backup.Kind == "ConfigMap" ? StorageDriver.ConfigMap : StorageDriver.Secret;
        var kind = driver.Kind();
        var store = new ReleaseSecretStore(session, driver);
        var ns = backup.Metadata.NamespaceProperty;
        var name = backup.Metadata.Name;
        IReadOnlyDictionary<string, string> annotations = new Dictionary<string, string>(backup.Metadata.Annotations ?? new Dictionary<string, string>());
        if (annotations.TryGetValue(SecretBackup.SourceServerAnnotation, out var server) && server != session.Server)
        {
            // The same release and namespace often exist in several clusters: a stuck state must not be copied across.
            env.Error.WriteLine($"error: the backup was taken from {server} (context {annotations.GetValueOrDefault(SecretBackup.SourceContextAnnotation)}), " +
                                $"but context {session.ContextName} is {session.Server}; pass the right --context. Nothing was changed.");
            return ExitCodes.Blocked;
        }

        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>(backup.Metadata.Labels ?? new Dictionary<string, string>());
        var restoredAnnotations = annotations.Where(a => a.Key is not SecretBackup.SourceServerAnnotation and not SecretBackup.SourceContextAnnotation)
            .ToDictionary(a => a.Key, a => a.Value);
        V1Secret? current;
        try
        {
            current = await store.GetAsync(ns, name, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading {kind} {ns}/{name}");
        }

        if (current is not null && SameContent(current, backup))
        {
            env.WriteData($"{kind} {ns}/{name} already holds exactly the backed-up content; nothing to do.");
            return ExitCodes.Ok;
        }

        if (current is not null && current.Metadata.Uid != backup.Metadata.Uid)
        {
            env.Error.WriteLine($"error: a different {kind} (uid {current.Metadata.Uid}, not {backup.Metadata.Uid}) now holds the name {ns}/{name}; refusing to overwrite it. Nothing was changed.");
            return ExitCodes.Blocked;
        }

        var action = current is null ? $"create {kind} {ns}/{name} from {result.GetValue(_backup)}" : $"put {kind} {ns}/{name} back to its backed-up labels and data (resourceVersion {current.Metadata.ResourceVersion})";
        if (!apply)
        {
            env.WriteData($"Would {action}. Nothing was changed; add --apply to do it.");
            return ExitCodes.Ok;
        }

        if (!result.GetValue(_yes) && env.Confirm?.Invoke($"{action}?") != true)
        {
            env.WriteData("Not confirmed: nothing was changed.");
            return ExitCodes.Blocked;
        }

        var restored = new V1Secret
        {
            ApiVersion = "v1",
            Kind = kind,
            Type = backup.Type,
            Data = backup.Data,
            Immutable = backup.Immutable,
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = backup.Metadata.Labels,
                Annotations = restoredAnnotations.Count > 0 ? restoredAnnotations : null,
                ResourceVersion = current?.Metadata.ResourceVersion,
            },
        };
        try
        {
            _ = current is null ? await store.CreateAsync(restored, ct) : await store.ReplaceAsync(restored, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"restoring {kind} {ns}/{name}");
        }

        var auditWarning = AuditLog.For(env).Append(new AuditEntry(env.Now, AuditLog.CurrentUser(env), session.ContextName, ns, name,
            int.TryParse(labels.GetValueOrDefault("version"), out var v) ? v : 0, "restore", [], "changed", result.GetValue(_backup)));
        if (auditWarning is not null)
        {
            env.Error.WriteLine($"warning: {auditWarning}");
        }

        env.WriteData($"Restored: {action}.");
        return ExitCodes.Ok;
    }

    private static bool SameContent(V1Secret a, V1Secret b) =>
        a.Type == b.Type
        && Same(a.Metadata.Labels, b.Metadata.Labels)
        && (a.Data?.Count ?? 0) == (b.Data?.Count ?? 0)
        && (a.Data ?? new Dictionary<string, byte[]>()).All(kv => b.Data!.TryGetValue(kv.Key, out var other) && other.AsSpan().SequenceEqual(kv.Value));

    private static bool Same(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
