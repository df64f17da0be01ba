using HelmUnstick.Core.Credentials;

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
        var apply = CommonOptions.ApplyAsked(result, _apply, _yes, env);

        var request = new RestoreRequest(result.GetValue(_backup)!, result.GetValue(_force), result.GetValue(_reason), AuditLog.CurrentUser(env));

        // A file is checked before any request; a backup Secret as soon as it is read, by the same checks.
        var fileBackup = RestoreService.ReadFile(request.Location);
        using var session = ClusterSession.Connect(common.Target(result), env);
        var restore = new RestoreService(session, env.Clock);
        var plan = await restore.PlanAsync(request, fileBackup, ct);
        var backup = plan.Backup;
        var where = $"{backup.Namespace}/{backup.Name}";
        switch (plan.Finding)
        {
            case RestoreFinding.OtherCluster:
                env.Error.WriteLine($"error: the backup was taken from {ServerUrl.WithoutUserInfo(backup.Origin!.Server)} (context {backup.Origin.Context}), " +
                                    $"but context {plan.Context} is {plan.Server}; pass the right --context (or --force --reason TEXT). Nothing was changed.");
                return ExitCodes.Blocked;
            case RestoreFinding.UnknownCluster:
                env.Error.WriteLine($"error: {plan.Source} does not say which cluster it was taken from (no {ReleaseBackup.SourceServerAnnotation} annotation), " +
                                    $"so it may not belong in context {plan.Context} ({plan.Server}); pass --force --reason TEXT to restore it there. Nothing was changed.");
                return ExitCodes.Blocked;
            case RestoreFinding.AlreadyRestored:
                env.WriteData($"{plan.Kind} {where} already holds exactly the backed-up content; nothing to do.");
                return ExitCodes.Ok;
            case RestoreFinding.DifferentObject:
                env.Error.WriteLine($"error: a different {plan.Kind} (uid {plan.CurrentUid}, not {backup.Uid}) now holds the name {where}; refusing to overwrite it. Nothing was changed.");
                return ExitCodes.Blocked;
        }

        if (!apply)
        {
            env.WriteData($"Would {plan.Action}. Nothing was changed; add --apply to do it.");
            return ExitCodes.Ok;
        }

        if (!result.GetValue(_yes) && env.Confirm?.Invoke($"{plan.Action}?") != true)
        {
            env.WriteData("Not confirmed: nothing was changed.");
            return ExitCodes.Blocked;
        }

        RestoreReport report;
        try
        {
            report = await restore.ApplyAsync(plan, AuditLog.For(env), request.Operator, ct);
        }
        catch (AuditLogUnavailableException e)
        {
            throw new CliException(ExitCodes.ClusterError, $"{e.Message}; nothing was changed (make it writable, or set XDG_STATE_HOME)");
        }

        if (report.AuditWarning is { } auditWarning)
        {
            env.Error.WriteLine($"warning: {auditWarning}");
        }

        env.WriteData($"Restored: {plan.Action}.");
        return ExitCodes.Ok;
    }
}
