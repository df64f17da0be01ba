using HelmUnstick.Core.Backups;

namespace HelmUnstick.Cli.Commands;

/// <summary>Where <c>fix</c> and <c>serve</c> keep the backups they take before a change.</summary>
/// <param name="directoryDescription">What <c>--backup-dir</c> means for the command.</param>
internal sealed class BackupOptions(string directoryDescription)
{
    public Option<BackupStoreKind> Store { get; } = CommonOptions.Choice(
        "--backup-store",
        "file: a JSON file (mode 0600) under --backup-dir. secret: a Secret of type helm-unstick.io/backup.v1 in --backup-namespace, " +
        "which outlives the machine or pod and is encrypted at rest like the release Secret; list them with 'helm-unstick backups'",
        BackupStoreKind.File,
        [(BackupStoreKind.File, "file"), (BackupStoreKind.Secret, "secret")]);

    public Option<string?> Directory { get; } = new("--backup-dir") { HelpName = "DIR", Description = directoryDescription };

    public Option<string?> Namespace { get; } = new("--backup-namespace")
    {
        HelpName = "NAMESPACE",
        Description = "With --backup-store secret: the namespace of the backup Secrets (default: the pod's namespace in a pod, else the context's namespace)",
    };

    public Option<int> Keep { get; } = new("--backup-keep")
    {
        HelpName = "N",
        Description = $"With --backup-store secret: backups kept per release; the oldest are removed only after a newer one was written and read back (default {BackupRetention.DefaultKeep})",
        DefaultValueFactory = _ => BackupRetention.DefaultKeep,
        CustomParser = r => CommonOptions.WholeNumber(r, "--backup-keep", minimum: 1, tooSmall: "keeps nothing; give at least 1") ?? 0,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Store);
        command.Options.Add(Directory);
        command.Options.Add(Namespace);
        command.Options.Add(Keep);
        command.Validators.Add(r =>
        {
            var store = r.GetValue(Store);
            if (store == BackupStoreKind.Secret && r.GetValue(Directory) is not null)
            {
                r.AddError("--backup-dir keeps files: it goes with --backup-store file, not secret");
            }
            else if (store == BackupStoreKind.File && r.GetValue(Namespace) is not null)
            {
                r.AddError("--backup-namespace is where backup Secrets go: it needs --backup-store secret");
            }

            if (r.GetValue(Namespace) is { } backupNamespace && KubernetesNames.NamespaceProblem(backupNamespace) is { } problem)
            {
                r.AddError($"--backup-namespace: {problem}");
            }
        });
    }

    /// <param name="directory">The directory for a namespace's backup files, from the --backup-dir value (null when not given).</param>
    /// <param name="defaultNamespace">The backup Secrets' namespace when --backup-namespace is not given.</param>
    public BackupTarget Target(ParseResult r, Func<string?, string> directory, string defaultNamespace) =>
        r.GetValue(Store) == BackupStoreKind.Secret
            ? new BackupTarget(BackupStoreKind.Secret, r.GetValue(Namespace) ?? defaultNamespace, r.GetValue(Keep))
            : BackupTarget.Files(directory(r.GetValue(Directory)));
}
