using System.CommandLine;
using HelmUnstick.Core.Backups;
using HelmUnstick.Core.Credentials;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Safety;
using k8s.Models;

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

    private readonly Option<bool> _force = new("--force")
    {
        Description = "Restore a backup that does not say which cluster it was taken from, or that was taken from another one (needs --reason)",
    };

    private readonly Option<string?> _reason = new("--reason") { HelpName = "TEXT", Description = "Why --force is needed, e.g. an incident id; written to the audit log" };

    public Command Build()
    {
        var command = new Command("restore", """
            Re-create a backed-up release Secret exactly (name, namespace, type, labels, annotations, data).
            BACKUP is a backup file, or secret://NAMESPACE/NAME for a backup kept as a Secret in the cluster
            (--backup-store secret); both hold the same document and are checked the same way.
            When the Secret is absent it is created; when the same Secret (same uid) was changed by 'fix --strategy
            mark-failed' it is put back; when a different Secret holds the name, restore refuses.
            Only what 'fix' backs up is restored: a Secret of type helm.sh/release.v1 (or a release ConfigMap)
            labelled owner=helm, named sh.helm.release.v1.RELEASE.vREVISION, whose payload names the same release,
            namespace and revision, taken from the cluster of the current context (--force --reason TEXT to restore a
            backup from another cluster, or one that does not say). Anything else, or a file over 4 MiB, is refused
            before any request is sent.
            Exit codes: 0 restored (or already identical), 1 refused, 2 usage error or not a backup file, 3 API error.
            """)
        {
            _backup, _apply, _yes, _force, _reason,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(_force) && string.IsNullOrWhiteSpace(r.GetValue(_reason)))
            {
                r.AddError("--force needs --reason TEXT (it goes into the audit log)");
            }
        });
        command.SetAction((result, ct) => CliApp.RunAsync(env, () => RunAsync(result, ct), ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var apply = result.GetValue(_apply);
        if (apply && !result.GetValue(_yes) && !env.IsInteractive)
        {
            throw new CliException(ExitCodes.Usage, "--apply without a terminal needs --yes; nothing was changed");
        }

        var location = result.GetValue(_backup)!;
        var inCluster = BackupSecret.TryParseUri(location, out var backupNamespace, out var backupName);
        if (!inCluster && location.StartsWith(BackupSecret.UriScheme, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Usage, $"'{location}' is not secret://NAMESPACE/NAME; list backups with: helm-unstick backups -A");
        }

        if (inCluster && (KubernetesNames.NamespaceProblem(backupNamespace) ?? KubernetesNames.ObjectNameProblem(backupName)) is { } problem)
        {
            throw new CliException(ExitCodes.Usage, $"{location}: {problem}; nothing was read or changed");
        }

        // A file is checked before any request; a backup Secret as soon as it is read, by the same checks.
        var fileBackup = inCluster ? null : BackupFiles.Read(location);
        using var session = ClusterSession.Connect(common.Target(result), env);
        var backup = fileBackup ?? BackupFiles.Parse(await new InClusterBackups(session).ReadDocumentAsync(backupNamespace, backupName, ct), location);
        return await RestoreAsync(result, session, backup, location, ct);
    }

    /// <summary>Puts a checked backup back; <paramref name="source"/> names where it was read from.</summary>
    private async Task<int> RestoreAsync(ParseResult result, ClusterSession session, ReleaseBackup backup, string source, CancellationToken ct)
    {
        var apply = result.GetValue(_apply);
        var kind = backup.Driver.Kind();
        var store = new KubeReleaseStore(session, backup.Driver);
        var ns = backup.Namespace;
        var name = backup.Name;
        var reasons = new List<string>();
        var server = ServerUrl.WithoutUserInfo(session.Server);
        switch (backup.MatchOrigin(session.Server))
        {
            case BackupOriginMatch.Same:
                break;
            case var match when result.GetValue(_force):
                reasons.Add($"{(match == BackupOriginMatch.Other ? $"taken from {backup.Origin!.Server}" : "taken from an unknown cluster")}, restored into {server} with --force: {result.GetValue(_reason)}");
                break;
            case BackupOriginMatch.Other:
                // The same release and namespace often exist in several clusters: a stuck state must not be copied across.
                env.Error.WriteLine($"error: the backup was taken from {ServerUrl.WithoutUserInfo(backup.Origin!.Server)} (context {backup.Origin.Context}), " +
                                    $"but context {session.ContextName} is {server}; pass the right --context (or --force --reason TEXT). Nothing was changed.");
                return ExitCodes.Blocked;
            default:
                env.Error.WriteLine($"error: {source} does not say which cluster it was taken from (no {ReleaseBackup.SourceServerAnnotation} annotation), " +
                                    $"so it may not belong in context {session.ContextName} ({server}); pass --force --reason TEXT to restore it there. Nothing was changed.");
                return ExitCodes.Blocked;
        }

        V1Secret? current;
        try
        {
            current = await store.GetAsync(ns, name, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading {kind} {ns}/{name}");
        }

        var restored = BackupFiles.ToObject(backup, current?.Metadata.ResourceVersion);
        if (current is not null && SameContent(current, restored))
        {
            env.WriteData($"{kind} {ns}/{name} already holds exactly the backed-up content; nothing to do.");
            return ExitCodes.Ok;
        }

        if (current is not null && current.Metadata.Uid != backup.Uid)
        {
            env.Error.WriteLine($"error: a different {kind} (uid {current.Metadata.Uid}, not {backup.Uid}) now holds the name {ns}/{name}; refusing to overwrite it. Nothing was changed.");
            return ExitCodes.Blocked;
        }

        var action = current is null ? $"create {kind} {ns}/{name} from {source}" : $"put {kind} {ns}/{name} back to its backed-up labels and data (resourceVersion {current.Metadata.ResourceVersion})";
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

        // Opened before the change: a change that cannot be recorded does not happen.
        AuditWriter log;
        try
        {
            log = AuditLog.For(env).Open();
        }
        catch (AuditLogUnavailableException e)
        {
            throw new CliException(ExitCodes.ClusterError, $"{e.Message}; nothing was changed (make it writable, or set XDG_STATE_HOME)");
        }

        try
        {
            _ = current is null ? await store.CreateAsync(restored, ct) : await store.ReplaceAsync(restored, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"restoring {kind} {ns}/{name}");
        }

        var auditWarning = log.Append(new AuditEntry(env.Now, AuditLog.CurrentUser(env), session.ContextName, ns, name,
            backup.Revision, "restore", reasons, "changed", source));
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
