using System.CommandLine;
using HelmUnstick.Cli;
using Spectre.Console;

namespace HelmUnstick.Sandbox.Host;

/// <summary>
/// <c>demo</c>: the whole runbook on a built-in sandbox cluster modelled on it (release gitlab-cny stuck at
/// pending-upgrade revision 1234), run through the real commands. No cluster, no network, no prompts.
/// </summary>
internal sealed class DemoCommand(CliEnvironment env)
{
    public Command Build()
    {
        var command = new Command("demo", """
            Walk the "Helm upgrade is stuck" runbook end to end on a built-in sandbox cluster: scan, history, check
            (CI busy, then quiet), fix --apply (backup, delete, verify), history again, and retry-ci --follow (re-run the
            failed deploy job and follow it to success). Needs nothing installed;
            changes nothing outside a temporary folder. Exit 0 when every step did what the runbook expects.
            """);
        command.SetAction((_, ct) => CliApp.RunAsync(env, () => RunAsync(ct), ct));
        return command;
    }

    private async Task<int> RunAsync(CancellationToken ct)
    {
        var scratch = Directory.CreateTempSubdirectory("helm-unstick-demo-");
        try
        {
            await using var sandbox = await SandboxHost.StartAsync("gitlab-cny", 0, ct);
            var kubeconfig = Path.Combine(scratch.FullName, "kubeconfig");
            sandbox.Server.WriteKubeconfig(kubeconfig, "sandbox", sandbox.DefaultNamespace);

            // The steps run as a user would type them, against the sandbox, keeping backups and the audit log in scratch.
            var inner = env with
            {
                GetEnvironmentVariable = name => name switch
                {
                    "KUBECONFIG" => kubeconfig,
                    "XDG_STATE_HOME" => Path.Combine(scratch.FullName, "state"),
                    "XDG_CONFIG_HOME" => Path.Combine(scratch.FullName, "config"),
                    "GITLAB_TOKEN" => null,
                    _ => env.GetEnvironmentVariable(name),
                },
                IsInteractive = false,
            };
            var ci = sandbox.CiFlags.Split(' ');
            var release = sandbox.Release;
            var ns = sandbox.DefaultNamespace;

            env.Console.MarkupLine("[bold]helm-unstick demo[/]: the \"Helm upgrade is stuck\" runbook on a sandbox cluster");
            env.WriteData($"""
                Sandbox API {sandbox.Server.BaseAddress}, GitLab stub {sandbox.GitLabUrl}.
                The situation: helm died during an auto-deploy of {release}; every deploy now fails with
                  Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress
                """);

            var steps = new (string Title, string[] Args, int Expected, Action? Before)[]
            {
                ("Find the stuck release (runbook step 3: helm list --all)", ["scan", "-A"], ExitCodes.Blocked, null),
                ("Its history, with the stuck revision marked", ["history", release, "-n", ns], ExitCodes.Blocked, null),
                ("Preflight (steps 1-2): a deploy job to this cluster is still running, so nothing may change", ["check", release, "-n", ns, .. ci], ExitCodes.Blocked, null),
                ("The deploy job fails (its helm was killed). Fix (steps 4-5): preflight again, back up, delete the stuck revision's Secret with preconditions, verify", ["fix", release, "-n", ns, .. ci, "--apply", "--yes"], ExitCodes.Ok, () => sandbox.GitLab.MarkDeployJobFailed()),
                ("What Helm believes now", ["history", release, "-n", ns], ExitCodes.Ok, null),
                ("Close the loop: re-run the failed deploy job and follow it until it ends (the stub's job takes two polls)", ["retry-ci", release, "-n", ns, .. ci, "--follow", "--poll-interval", "200ms"], ExitCodes.Ok, null),
            };

            var number = 1;
            foreach (var (title, args, expected, before) in steps)
            {
                before?.Invoke();
                env.WriteData("");
                env.Console.MarkupLine($"[bold]== {number++}. {Markup.Escape(title)}[/]");
                env.WriteData($"$ helm-unstick {string.Join(' ', args)}");
                var code = await CliApp.InvokeAsync(args, inner, ct);
                if (code != expected)
                {
                    throw new CliException(ExitCodes.ClusterError, $"demo step '{title}' exited {code}, expected {expected}");
                }
            }

            env.WriteData("");
            env.WriteData("The release is unstuck without a rollback and the failed deploy ran again to success. Helm was one revision");
            env.WriteData("behind, as the runbook warns: the re-run deploy reported changes that were already running. Rehearse it with real tools:");
            env.WriteData("  dotnet run --project src/HelmUnstick.Sandbox");
            return ExitCodes.Ok;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
