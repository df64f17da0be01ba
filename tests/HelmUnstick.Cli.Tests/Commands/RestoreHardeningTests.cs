using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Commands;

/// <summary>
/// restore puts back only what fix backs up. Every hand-edited backup below was once restored (exit 0): each is now
/// refused with one line naming the field, before a single request reaches the API server.
/// </summary>
public sealed class RestoreHardeningTests
{
    /// <summary>A hand edit that turns a real backup into one restore must refuse.</summary>
    public enum BackupEdit
    {
        RegistryCreds,
        ServiceAccountToken,
        Opaque,
        ExtraDataKey,
        RenamedInTheNameOnly,
        RenamedInNameAndLabel,
        MovedToKubeSystem,
    }

    [Theory]
    [InlineData(BackupEdit.RegistryCreds, "metadata.name \"registry-creds\" is not a Helm release object's name \\(sh.helm.release.v1.RELEASE.vREVISION\\)")]
    [InlineData(BackupEdit.ServiceAccountToken, "type is \"kubernetes.io/service-account-token\", not \"helm.sh/release.v1\": not a Helm release Secret")]
    [InlineData(BackupEdit.Opaque, "type is \"Opaque\", not \"helm.sh/release.v1\": not a Helm release Secret")]
    [InlineData(BackupEdit.ExtraDataKey, "it has the data key \".dockerconfigjson\"; a Helm release object holds only data.release")]
    [InlineData(BackupEdit.RenamedInTheNameOnly, "label name is \"demo\" but the object's name says release \"other\"")]
    [InlineData(BackupEdit.RenamedInNameAndLabel, "the payload's release name is \"demo\" but the object's name says \"other\"")]
    [InlineData(BackupEdit.MovedToKubeSystem, "the payload's namespace is \"team-a\" but the object is in namespace \"kube-system\"")]
    public async Task HandEditedBackup_Exit1_OneLineNamingTheField_NothingSentToTheApi(BackupEdit edit, string problem)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var backup = await EditedBackupAsync(cli, doc => Edit(doc, edit));
        using var anyRequest = cli.Server.Faults.Respond("*", ".", 500, times: int.MaxValue);

        var run = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(run.ExitCode == 1, run.ToString());
        AssertErrorLine(run, $"{Regex.Escape(backup)} is refused: {problem}; restore writes only Helm release objects. Nothing was changed");
        Assert.Equal(0, anyRequest.Matched);
        Assert.Null(cli.Secret("kube-system", "registry-creds"));
    }

    [Fact]
    public async Task BackupWithoutItsSourceCluster_Exit1_UnlessForcedWithAReason_WhichTheAuditLogKeeps()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var backup = await EditedBackupAsync(cli, doc => doc["metadata"]!["annotations"]!.AsObject().Remove("helm-unstick.io/backup-server"));

        var refused = await cli.RunAsync("restore", backup, "--apply", "--yes");
        var noReason = await cli.RunAsync("restore", backup, "--apply", "--yes", "--force");
        var forced = await cli.RunAsync("restore", backup, "--apply", "--yes", "--force", "--reason", "INC-9 restore from old backup");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        AssertErrorLine(refused, $".+ does not say which cluster it was taken from \\(no helm-unstick.io/backup-server annotation\\), so it may not belong in context sandbox \\(http://127.0.0.1:\\d+\\); pass --force --reason TEXT to restore it there. Nothing was changed.");
        Assert.Equal(2, noReason.ExitCode);
        Assert.Contains("--force needs --reason TEXT", noReason.Err);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.NotNull(cli.Secret(Ns, Name));
        var audit = JsonNode.Parse(File.ReadAllLines(Path.Combine(cli.StateDirectory, "audit.log")).Last())!;
        Assert.Equal("restore", (string?)audit["action"]);
        Assert.Matches("^taken from an unknown cluster, restored into http://127.0.0.1:\\d+ with --force: INC-9 restore from old backup$", (string?)audit["reasons"]![0]);
    }

    [Theory]
    [InlineData("[{\"kind\":\"Secret\"}]", "it holds a JSON array, not a Secret or ConfigMap object")]
    [InlineData("", "it is not JSON .+")]
    [InlineData("{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":7}}", "metadata.name is not a string")]
    public async Task FileThatIsNotABackup_Exit2_OneLine(string content, string problem)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var file = Path.Combine(cli.Root, "not-a-backup.json");
        await File.WriteAllTextAsync(file, content);

        await AssertUsageErrorAsync(cli, file, $"{Regex.Escape(file)} is not a backup written by 'fix --apply': {problem}; nothing was changed");
    }

    [Fact]
    public async Task FileOver4MiB_Exit2_RefusedBeforeItIsRead()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var file = Path.Combine(cli.Root, "huge.json");
        await using (var stream = File.Create(file))
        {
            stream.SetLength(400L * 1024 * 1024);
        }

        await AssertUsageErrorAsync(cli, file, LargerThan4MiB(file));
    }

    [Fact]
    public async Task EndlessDevice_Exit2_ReadNoFurtherThan4MiB()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        await AssertUsageErrorAsync(cli, "/dev/zero", LargerThan4MiB("/dev/zero"));
    }

    /// <summary><c>restore FILE --apply</c> is a usage error (exit 2) whose one line matches <paramref name="line"/>.</summary>
    private static async Task AssertUsageErrorAsync(CliHarness cli, string file, string line)
    {
        var run = await cli.RunAsync("restore", file, "--apply", "--yes");

        Assert.True(run.ExitCode == 2, run.ToString());
        AssertErrorLine(run, line);
    }

    private static string LargerThan4MiB(string file) =>
        $"backup {Regex.Escape(file)} is larger than 4 MiB, so it is not a backup written by 'fix --apply'; nothing was read or changed";

    /// <summary>A real backup written by <c>fix --apply</c> (which deleted the stuck revision), edited by <paramref name="edit"/>.</summary>
    private static async Task<string> EditedBackupAsync(CliHarness cli, Action<JsonObject> edit)
    {
        var fix = await cli.RunAsync(Fix(Core.Remediation.RemediationStrategy.Delete));
        Assert.True(fix.ExitCode == 0, fix.ToString());
        var backup = Assert.Single(Backups(cli));
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(backup))!.AsObject();
        edit(doc);
        await File.WriteAllTextAsync(backup, doc.ToJsonString());
        return backup;
    }

    private static void Edit(JsonObject doc, BackupEdit edit)
    {
        var metadata = doc["metadata"]!.AsObject();
        switch (edit)
        {
            case BackupEdit.MovedToKubeSystem:
                metadata["namespace"] = "kube-system";
                break;
            case BackupEdit.RegistryCreds:
                // The attack as it was reproduced: another Secret, elsewhere, keeping a valid data.release.
                metadata["namespace"] = "kube-system";
                metadata["name"] = "registry-creds";
                doc["type"] = "kubernetes.io/dockerconfigjson";
                doc["data"]![".dockerconfigjson"] = Convert.ToBase64String("{\"auths\":{}}"u8);
                break;
            case BackupEdit.ServiceAccountToken:
                doc["type"] = "kubernetes.io/service-account-token";
                metadata["annotations"]!["kubernetes.io/service-account.name"] = "default";
                break;
            case BackupEdit.Opaque:
                doc["type"] = "Opaque";
                break;
            case BackupEdit.ExtraDataKey:
                doc["data"]![".dockerconfigjson"] = Convert.ToBase64String("{\"auths\":{}}"u8);
                break;
            case BackupEdit.RenamedInTheNameOnly:
                metadata["name"] = "sh.helm.release.v1.other.v4";
                break;
            case BackupEdit.RenamedInNameAndLabel:
                metadata["name"] = "sh.helm.release.v1.other.v4";
                metadata["labels"]!["name"] = "other";
                break;
        }
    }
}
