using HelmUnstick.Core.Backups;
using HelmUnstick.Core.Credentials;
using HelmUnstick.Core.Releases;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Unstick;
using k8s.Models;

namespace HelmUnstick.Engine.Safety;

/// <summary>A restore asked for: the backup (a file, or <c>secret://NAMESPACE/NAME</c>) and the operator's override.</summary>
/// <param name="ForceReason">With <c>--force</c>: why a backup from another (or an unknown) cluster is restored here.</param>
internal sealed record RestoreRequest(string Location, bool Force, string? ForceReason, string Operator);

/// <summary>What restore found in the cluster, before changing anything.</summary>
internal enum RestoreFinding
{
    /// <summary>The object already holds exactly the backed-up content: nothing to do.</summary>
    AlreadyRestored,

    /// <summary>No object holds the name: it will be created.</summary>
    Absent,

    /// <summary>The same object (same uid) holds other content: it will be put back.</summary>
    Changed,

    /// <summary>A different object (another uid) holds the name: refused.</summary>
    DifferentObject,

    /// <summary>The backup was taken from another cluster: refused without --force.</summary>
    OtherCluster,

    /// <summary>The backup does not say which cluster it was taken from: refused without --force.</summary>
    UnknownCluster,
}

/// <summary>What restore would do, and why.</summary>
/// <param name="Source">Where the backup was read from (the file, or the backup Secret's URI).</param>
/// <param name="Reasons">The overrides taken (a backup from another cluster, with --force), for the audit line.</param>
/// <param name="Server">The current context's API server, without user info.</param>
/// <param name="CurrentUid">The uid of the object that holds the name now, if any.</param>
/// <param name="CurrentResourceVersion">Its resourceVersion, which the write carries.</param>
internal sealed record RestorePlan(
    ReleaseBackup Backup, string Source, RestoreFinding Finding, IReadOnlyList<string> Reasons, string Context, string Server, string? CurrentUid, string? CurrentResourceVersion)
{
    public string Kind => Backup.Driver.Kind();

    public bool Refused => Finding is RestoreFinding.DifferentObject or RestoreFinding.OtherCluster or RestoreFinding.UnknownCluster;

    public string Action => CurrentResourceVersion is null
        ? $"create {Kind} {Backup.Namespace}/{Backup.Name} from {Source}"
        : $"put {Kind} {Backup.Namespace}/{Backup.Name} back to its backed-up labels and data (resourceVersion {CurrentResourceVersion})";
}

/// <summary>A restore that was made: its audit line, and a problem writing it that did not stop the change.</summary>
internal sealed record RestoreReport(RestorePlan Plan, AuditEntry Audit, string? AuditWarning);

/// <summary>
/// <c>restore</c>: checks a backup, finds what holds its name now, and puts the backed-up object back exactly (created,
/// or replaced with the resourceVersion read); never over another object, nor across clusters unless forced.
/// </summary>
internal sealed class RestoreService(ClusterSession session, TimeProvider clock)
{
    /// <summary>
    /// A backup file, read and checked before any request; null for a backup Secret (<c>secret://</c>), which
    /// <see cref="PlanAsync"/> reads.
    /// </summary>
    /// <exception cref="EngineException">Not a backup URI or file, or a file that is not a Helm release object.</exception>
    public static ReleaseBackup? ReadFile(string location)
    {
        if (BackupSecret.TryParseUri(location, out var ns, out var name))
        {
            // Checked before the names reach a URL path: ns?x=1 would become a query.
            return (KubernetesNames.NamespaceProblem(ns) ?? KubernetesNames.ObjectNameProblem(name)) is { } problem
                ? throw new EngineException(UnstickFailure.InvalidRequest, $"{location}: {problem}; nothing was read or changed")
                : null;
        }

        if (location.StartsWith(BackupSecret.UriScheme, StringComparison.Ordinal))
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"'{location}' is not secret://NAMESPACE/NAME; list backups with: helm-unstick backups -A");
        }

        return BackupFiles.Read(location);
    }

    /// <summary>Reads the backup (when a Secret) and what holds its name now; changes nothing.</summary>
    /// <param name="fileBackup">The backup file read by <see cref="ReadFile"/>, or null to read the backup Secret.</param>
    /// <exception cref="EngineException">The backup Secret is not a backup, or the cluster cannot be read.</exception>
    public async Task<RestorePlan> PlanAsync(RestoreRequest request, ReleaseBackup? fileBackup, CancellationToken ct)
    {
        var backup = fileBackup;
        if (backup is null)
        {
            BackupSecret.TryParseUri(request.Location, out var backupNamespace, out var backupName);
            backup = BackupFiles.Parse(await new InClusterBackups(session).ReadDocumentAsync(backupNamespace, backupName, ct), request.Location);
        }

        var server = ServerUrl.WithoutUserInfo(session.Server);
        RestorePlan Plan(RestoreFinding finding, IReadOnlyList<string> reasons, V1Secret? current = null) =>
            new(backup, request.Location, finding, reasons, session.ContextName, server, current?.Metadata.Uid, current?.Metadata.ResourceVersion);

        var reasons = new List<string>();
        switch (backup.MatchOrigin(session.Server))
        {
            case BackupOriginMatch.Same:
                break;
            case var match when request.Force:
                reasons.Add($"{(match == BackupOriginMatch.Other ? $"taken from {backup.Origin!.Server}" : "taken from an unknown cluster")}, restored into {server} with --force: {request.ForceReason}");
                break;
            case BackupOriginMatch.Other:
                // The same release and namespace often exist in several clusters: a stuck state must not be copied across.
                return Plan(RestoreFinding.OtherCluster, reasons);
            default:
                return Plan(RestoreFinding.UnknownCluster, reasons);
        }

        var store = new KubeReleaseStore(session, backup.Driver);
        V1Secret? current;
        try
        {
            current = await store.GetAsync(backup.Namespace, backup.Name, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"reading {backup.Driver.Kind()} {backup.Namespace}/{backup.Name}");
        }

        return current is null ? Plan(RestoreFinding.Absent, reasons)
            : SameContent(current, BackupFiles.ToObject(backup, current.Metadata.ResourceVersion)) ? Plan(RestoreFinding.AlreadyRestored, reasons, current)
            : current.Metadata.Uid != backup.Uid ? Plan(RestoreFinding.DifferentObject, reasons, current)
            : Plan(RestoreFinding.Changed, reasons, current);
    }

    /// <summary>Creates or puts back the object of a plan that is neither refused nor already done, and audits it.</summary>
    /// <exception cref="AuditLogUnavailableException">The audit log cannot be opened: nothing was changed.</exception>
    /// <exception cref="EngineException">The write failed.</exception>
    public async Task<RestoreReport> ApplyAsync(RestorePlan plan, AuditLog audit, string user, CancellationToken ct)
    {
        var backup = plan.Backup;
        var store = new KubeReleaseStore(session, backup.Driver);

        // Opened before the change: a change that cannot be recorded does not happen.
        var log = audit.Open();
        var restored = BackupFiles.ToObject(backup, plan.CurrentResourceVersion);
        try
        {
            _ = plan.CurrentResourceVersion is null ? await store.CreateAsync(restored, ct) : await store.ReplaceAsync(restored, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"restoring {plan.Kind} {backup.Namespace}/{backup.Name}");
        }

        var entry = new AuditEntry(clock.GetUtcNow(), user, session.ContextName, backup.Namespace, backup.Name, backup.Revision, "restore", plan.Reasons, AuditOutcome.Changed, plan.Source);
        return new RestoreReport(plan, entry, log.Append(entry));
    }

    private static bool SameContent(V1Secret a, V1Secret b) =>
        a.Type == b.Type
        && Same(a.Metadata.Labels, b.Metadata.Labels)
        && (a.Data?.Count ?? 0) == (b.Data?.Count ?? 0)
        && (a.Data ?? new Dictionary<string, byte[]>()).All(kv => b.Data!.TryGetValue(kv.Key, out var other) && other.AsSpan().SequenceEqual(kv.Value));

    private static bool Same(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
