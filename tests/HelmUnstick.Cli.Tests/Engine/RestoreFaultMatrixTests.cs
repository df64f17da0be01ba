using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HelmUnstick.Core.Remediation;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary><c>restore</c> run twice, onto a Secret that changed since, and into another cluster.</summary>
public sealed class RestoreFaultMatrixTests
{
    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreRunTwice_TheSecondChangesNothing(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var original = cli.Secret(Ns, Name)!;
        var fix = await cli.RunAsync(Fix(strategy));
        var backup = AssertOneExactBackup(cli, original);

        var first = await cli.RunAsync("restore", backup, "--apply", "--yes");
        var restored = cli.Secret(Ns, Name)!.ToJsonString();
        var second = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(fix.ExitCode == 0 && first.ExitCode == 0, fix + "\n" + first);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal($"Secret team-a/{Name} already holds exactly the backed-up content; nothing to do.\n", second.Out);
        Assert.Equal(restored, cli.Secret(Ns, Name)!.ToJsonString());
        AssertSameContent(original, cli.Secret(Ns, Name)!);
        Assert.Equal(["changed", "changed"], AuditOutcomes(cli));
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreOntoASecretChangedSince_RefusesAnotherSecret_PutsBackTheSameOne(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        var original = cli.Secret(Ns, Name)!;
        await cli.RunAsync(Fix(strategy));
        var backup = AssertOneExactBackup(cli, original);
        JsonObject now;
        if (strategy == RemediationStrategy.Delete)
        {
            // The next deploy wrote a new revision 4 under the same name: a different Secret.
            now = original.DeepClone().AsObject();
            now["metadata"]!["uid"] = "a-new-revision-4";
            now["metadata"]!["labels"]!["status"] = "deployed";
            now["metadata"]!.AsObject().Remove("resourceVersion");
            cli.Server.Store.Upsert("v1", "secrets", now);
        }
        else
        {
            TouchedByAnotherWriter(cli);
        }

        now = cli.Secret(Ns, Name)!;
        var run = await cli.RunAsync("restore", backup, "--apply", "--yes");

        if (strategy == RemediationStrategy.Delete)
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Equal(now.ToJsonString(), cli.Secret(Ns, Name)!.ToJsonString());
            AssertErrorLine(run, $"a different Secret \\(uid a-new-revision-4, not .+\\) now holds the name team-a/{Name}; refusing to overwrite it. Nothing was changed.");
        }
        else
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            AssertSameContent(original, cli.Secret(Ns, Name)!);
        }
    }

    [Theory]
    [MemberData(nameof(Rows), MemberType = typeof(FaultMatrix))]
    public async Task RestoreOfABackupFromAnotherCluster_Exit1_NothingChanged(StorageDriver driver, RemediationStrategy strategy)
    {
        await using var cli = await StartAsync(driver);
        await cli.RunAsync(Fix(strategy));
        var backup = Assert.Single(Backups(cli));
        await using var other = await StartAsync(driver);
        var before = other.Server.Store.ResourceVersion;

        var run = await cli.RunAsync("restore", backup, "--kubeconfig", other.Kubeconfig, "--apply", "--yes");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(before, other.Server.Store.ResourceVersion);
        AssertErrorLine(run, $"the backup was taken from {Regex.Escape(cli.Server.BaseAddress.ToString().TrimEnd('/'))} \\(context sandbox\\), but context sandbox is .+; pass the right --context. Nothing was changed.");
    }
}
