using System.Text.Encodings.Web;
using System.Text.Json;
using HelmUnstick.Cli.Tests.Engine;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>fix --backup-store secret, then backups and restore secret://: the backup lives in the cluster, not on the machine that fixed.</summary>
public sealed class BackupsCommandTests
{
    private const string Ns = "team-a";
    private const string Stuck = "sh.helm.release.v1.demo.v4";
    private const string BackupName = "helm-unstick-backup.demo.v4.20261124t090000z";
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task FixWithBackupStoreSecret_BackupsListsIt_AndRestoreSecretPutsTheRevisionBackExactly()
    {
        await using var cli = await StartAsync();
        var original = cli.Secret(Ns, Stuck)!;

        var fix = await cli.RunAsync("fix", "demo", "-n", Ns, "--skip-ci-check", "--reason", "INC-7 drill", "--apply", "--yes", "--backup-store", "secret", "--backup-namespace", "ops");
        var json = await cli.RunAsync("backups", "-n", "ops", "-o", "json");
        var table = await cli.RunAsync("backups", "-A", "--release", "demo");
        var dryRun = await cli.RunAsync("restore", $"secret://ops/{BackupName}");
        var restore = await cli.RunAsync("restore", $"secret://ops/{BackupName}", "--apply", "--yes");

        Assert.True(fix.ExitCode == 0, fix.ToString());
        Assert.Null(Directory.Exists(Path.Combine(cli.StateDirectory, "backups")) ? "a backup file was written" : null);
        Assert.Equal(
            $$"""[{"namespace":"ops","name":"{{BackupName}}","release":"demo","releaseNamespace":"team-a","revision":4,"taken":"2026-11-24T09:00:00+00:00","restore":"helm-unstick restore secret://ops/{{BackupName}} --apply"}]""",
            JsonNode.Parse(json.Out)!.ToJsonString(Compact));
        Assert.Equal(
            [
                "NAMESPACE   NAME                                           RELEASE       REVISION   TAKEN                  RESTORE",
                $"ops         {BackupName}   team-a/demo   4          2026-11-24 09:00:00Z   helm-unstick restore secret://ops/{BackupName} --apply",
            ],
            table.Out.TrimEnd().Split("\n").Select(l => l.TrimEnd()).ToList());
        Assert.Equal((0, $"Would create Secret team-a/{Stuck} from secret://ops/{BackupName}. Nothing was changed; add --apply to do it.\n"), (dryRun.ExitCode, dryRun.Out));
        Assert.True(restore.ExitCode == 0, restore.ToString());
        FaultMatrix.AssertSameContent(original, cli.Secret(Ns, Stuck)!);
        Assert.Equal(["changed", "changed"], FaultMatrix.AuditOutcomes(cli));
        Assert.Contains($"\"backup\":\"secret://ops/{BackupName}\"", File.ReadAllLines(Path.Combine(cli.StateDirectory, "audit.log"))[1]);
    }

    [Fact]
    public async Task BackupKeepTwo_AfterThreeFixesOfARelease_KeepsItsTwoNewestBackups_AndNoOtherReleasesBackupIsTouched()
    {
        await using var cli = await StartAsync();
        var clock = new FakeTimeProvider(cli.Now);
        cli.Clock = clock;
        cli.Server.Store.Upsert("v1", "secrets", BackupOf("other", "helm-unstick-backup.other.v1.20261101t000000z"));

        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // Restoring re-creates the revision just now, so the fix lowers --stale-after to accept so young a write.
            var fix = await cli.RunAsync("fix", "demo", "-n", Ns, "--skip-ci-check", "--reason", "INC-7 drill", "--stale-after", "0s", "--apply", "--yes",
                "--backup-store", "secret", "--backup-namespace", "ops", "--backup-keep", "2");
            Assert.True(fix.ExitCode == 0, fix.ToString());
            names.Add($"helm-unstick-backup.demo.v4.{clock.GetUtcNow().UtcDateTime:yyyyMMdd't'HHmmss'z'}");
            var restore = await cli.RunAsync("restore", $"secret://ops/{names[^1]}", "--apply", "--yes");
            Assert.True(restore.ExitCode == 0, restore.ToString());
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var listed = await cli.RunAsync("backups", "-n", "ops", "-o", "json");
        Assert.Equal(
            [names[2], names[1], "helm-unstick-backup.other.v1.20261101t000000z"],
            JsonNode.Parse(listed.Out)!.AsArray().Select(b => (string)b!["name"]!));
        Assert.Equal(["changed", "changed", "changed", "changed", "changed", "changed"], FaultMatrix.AuditOutcomes(cli));
    }

    [Fact]
    public async Task ABackupNameHeldByAnotherSecret_FailsTheBackup_Exit3_AndNothingChanges()
    {
        await using var cli = await StartAsync();
        var before = cli.Secret(Ns, Stuck)!.ToJsonString();
        cli.Server.Store.Upsert("v1", "secrets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = BackupName, ["namespace"] = "ops" },
            ["data"] = new JsonObject { ["password"] = "aHVudGVyMg==" },
        });

        var fix = await cli.RunAsync("fix", "demo", "-n", Ns, "--skip-ci-check", "--reason", "INC-7 drill", "--apply", "--yes", "--backup-store", "secret", "--backup-namespace", "ops");

        Assert.Equal(3, fix.ExitCode);
        Assert.Contains($"the backup Secret ops/{BackupName} does not read back as the Secret it should hold", fix.Err);
        Assert.Equal(before, cli.Secret(Ns, Stuck)!.ToJsonString());
        Assert.Empty(FaultMatrix.AuditOutcomes(cli));
    }

    [Theory]
    [InlineData("secret://team-a/sh.helm.release.v1.demo.v3", 2, "error: secret://team-a/sh.helm.release.v1.demo.v3 is not a helm-unstick backup: a backup is a Secret of type helm-unstick.io/backup.v1 with the key backup.json, this one is of type helm.sh/release.v1")]
    [InlineData("secret://ops/helm-unstick-backup.demo.v4.20261124t080000z", 2, "error: backup secret://ops/helm-unstick-backup.demo.v4.20261124t080000z does not exist (context sandbox); list backups with: helm-unstick backups -n ops")]
    [InlineData("secret://ops", 2, "error: 'secret://ops' is not secret://NAMESPACE/NAME; list backups with: helm-unstick backups -A")]
    public async Task RestoreSecret_OfWhatIsNotABackupSecret_SaysWhatItIs_AndChangesNothing(string location, int exitCode, string error)
    {
        await using var cli = await StartAsync();
        var before = cli.Secret(Ns, Stuck)!.ToJsonString();

        var run = await cli.RunAsync("restore", location, "--apply", "--yes");

        Assert.Equal((exitCode, error), (run.ExitCode, run.Err.Trim()));
        Assert.Equal(before, cli.Secret(Ns, Stuck)!.ToJsonString());
    }

    [Theory]
    [InlineData(new[] { "--backup-store", "secret", "--backup-dir", "/tmp/b" }, "error: --backup-dir keeps files: it goes with --backup-store file, not secret (see 'helm-unstick fix --help')")]
    [InlineData(new[] { "--backup-namespace", "ops" }, "error: --backup-namespace is where backup Secrets go: it needs --backup-store secret (see 'helm-unstick fix --help')")]
    [InlineData(new[] { "--backup-store", "secret", "--backup-keep", "0" }, "error: --backup-keep: '0' keeps nothing; give at least 1 (see 'helm-unstick fix --help')")]
    [InlineData(new[] { "--backup-store", "secret", "--backup-keep", "two" }, "error: --backup-keep: 'two' is not a whole number of at least 1 (see 'helm-unstick fix --help')")]
    [InlineData(new[] { "--backup-store", "secret", "--backup-namespace", "ops/../kube-system" },
        "error: --backup-namespace: 'ops/../kube-system' is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters) (see 'helm-unstick fix --help')")]
    public async Task ContradictoryBackupFlags_AreAUsageError(string[] flags, string error)
    {
        await using var cli = await StartAsync();

        var run = await cli.RunAsync(["fix", "demo", "-n", Ns, .. flags]);

        Assert.Equal((2, error + "\n"), (run.ExitCode, run.Err));
    }

    [Fact]
    public async Task Backups_WithNoneKept_SaysSoAndExitsZero()
    {
        await using var cli = await StartAsync();

        var run = await cli.RunAsync("backups", "-n", "ops");

        Assert.Equal((0, "", "No backups found in namespace ops (context sandbox).\n"), (run.ExitCode, run.Out, run.Err));
    }

    /// <summary>A backup Secret of another release, as labelled by helm-unstick (its document does not matter here).</summary>
    private static JsonObject BackupOf(string release, string name) => new()
    {
        ["type"] = "helm-unstick.io/backup.v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "ops",
            ["labels"] = new JsonObject
            {
                ["app.kubernetes.io/managed-by"] = "helm-unstick",
                ["helm-unstick.io/release"] = release,
                ["helm-unstick.io/namespace"] = Ns,
                ["helm-unstick.io/revision"] = "1",
                ["helm-unstick.io/driver"] = "secret",
            },
            ["annotations"] = new JsonObject { ["helm-unstick.io/taken"] = "2026-11-01T00:00:00.000Z" },
        },
        ["data"] = new JsonObject { ["backup.json"] = "e30=" },
    };

    private static async Task<CliHarness> StartAsync()
    {
        var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Server.Store.Upsert("v1", "namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ops" } });
        return cli;
    }
}
