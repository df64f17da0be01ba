using System.Globalization;
using HelmUnstick.Core.Backups;

namespace HelmUnstick.Cli.Commands;

/// <summary><c>backups</c>: the backup Secrets that <c>--backup-store secret</c> wrote, newest first, each with the command that restores it.</summary>
internal sealed class BackupsCommand(CommonOptions common, CliEnvironment env)
{
    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "List the backups in every namespace (default: -n, else the context's namespace)" };
    private readonly Option<string?> _release = new("--release") { HelpName = "RELEASE", Description = "Only the backups of this release (in any namespace it is deployed to)" };
    private readonly Option<OutputFormat> _output = CommonOptions.Output();

    public Command Build()
    {
        var command = new Command("backups", """
            List the backups kept as Secrets in the cluster (fix or serve with --backup-store secret), newest first:
            where each is, whose release and revision it holds, when it was taken, and the command that restores it.
            -n is the namespace the backups are kept in (serve's --backup-namespace), not the release's.
            Reads the Secrets' metadata only. Exit codes: 0 listed (or none found), 2 usage error, 3 API error.
            """)
        {
            _allNamespaces, _release, _output,
        };
        common.SetClusterAction(command, RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult result, ClusterSession session, string ns, CancellationToken ct)
    {
        var where = result.GetValue(_allNamespaces) ? null : ns;
        IReadOnlyList<StoredBackup> backups;
        try
        {
            backups = await new InClusterBackups(session).ListAsync(where, result.GetValue(_release), null, ct);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            throw KubeErrors.Translate(e, session, $"listing backup Secrets in {(where is null ? "all namespaces" : $"namespace {where}")}");
        }

        var target = common.Target(result);
        var flags = (target.Kubeconfig is { } path ? $" --kubeconfig '{Path.GetFullPath(path)}'" : "") + (target.Context is { } context ? $" --context '{context}'" : "");
        var rows = backups.Select(b => new BackupRow(
            b.Namespace, b.Name, b.Release, b.ReleaseNamespace, b.Revision, b.Taken,
            $"helm-unstick restore {BackupSecret.Uri(b.Namespace, b.Name)}{flags} --apply")).ToList();
        if (result.GetValue(_output) == OutputFormat.Json)
        {
            env.WriteData(Json.Serialize(rows));
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            env.Error.WriteLine($"No backups found in {(where is null ? "any namespace" : $"namespace {where}")} (context {session.ContextName}).");
            return ExitCodes.Ok;
        }

        var table = Tables.Plain("NAMESPACE", "NAME", "RELEASE", "REVISION", "TAKEN", "RESTORE");
        foreach (var row in rows)
        {
            table.AddRow([
                row.Namespace, row.Name, $"{row.ReleaseNamespace}/{row.Release}",
                row.Revision?.ToString(CultureInfo.InvariantCulture) ?? "",
                row.Taken?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
                row.Restore,
            ]);
        }

        env.Console.Write(table);
        return ExitCodes.Ok;
    }
}
