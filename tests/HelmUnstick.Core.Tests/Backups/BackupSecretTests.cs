using HelmUnstick.Core.Backups;

namespace HelmUnstick.Core.Tests.Backups;

public sealed class BackupSecretTests
{
    private static readonly DateTimeOffset Taken = new(2026, 11, 24, 9, 0, 7, 456, TimeSpan.Zero);

    [Fact]
    public void Name_IsTheReleaseRevisionAndUtcTimeToTheSecond_InLowerCaseAsTheApiServerRequires()
    {
        Assert.Equal("helm-unstick-backup.gitlab-cny.v1234.20261124t090007z", BackupSecret.Name("gitlab-cny", 1234, Taken));
        Assert.Equal("helm-unstick-backup.web.v2.20261124t090007z", BackupSecret.Name("web", 2, Taken.ToOffset(TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Name_OfAReleaseTooLongForASecretName_IsCutAndHashed_SoTwoLongNamesStayApart()
    {
        var longName = new string('a', 240);
        var other = new string('a', 239) + "b";

        var name = BackupSecret.Name(longName, 7, Taken);

        Assert.Equal(BackupSecret.MaxNameLength, name.Length);
        Assert.StartsWith("helm-unstick-backup.aaaa", name);
        Assert.EndsWith(".v7.20261124t090007z", name);
        Assert.NotEqual(name, BackupSecret.Name(other, 7, Taken));
        Assert.Matches("^[a-z0-9.-]+$", name);
    }

    [Fact]
    public void Labels_NameTheToolTheReleaseItsNamespaceRevisionAndDriver()
    {
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/managed-by"] = "helm-unstick",
                ["helm-unstick.io/release"] = "gitlab-cny",
                ["helm-unstick.io/namespace"] = "gitlab-cny",
                ["helm-unstick.io/revision"] = "1234",
                ["helm-unstick.io/driver"] = "configmap",
            },
            BackupSecret.Labels("gitlab-cny", "gitlab-cny", 1234, StorageDriver.ConfigMap));
        Assert.Equal("app.kubernetes.io/managed-by=helm-unstick", BackupSecret.Selector());
        Assert.Equal("app.kubernetes.io/managed-by=helm-unstick,helm-unstick.io/release=web,helm-unstick.io/namespace=apps", BackupSecret.Selector("web", "apps"));
    }

    [Theory]
    [InlineData("secret://ops/helm-unstick-backup.web.v2.20261124t090007z", true, "ops", "helm-unstick-backup.web.v2.20261124t090007z")]
    [InlineData("secret://ops/", false, "", "")]
    [InlineData("secret:///name", false, "", "")]
    [InlineData("secret://ops/a/b", false, "", "")]
    [InlineData("/var/lib/helm-unstick/backups/x.json", false, "", "")]
    public void TryParseUri_AcceptsOnlySecretNamespaceName(string text, bool parsed, string ns, string name)
    {
        Assert.Equal((parsed, ns, name), (BackupSecret.TryParseUri(text, out var n, out var m), n, m));
    }
}

public sealed class BackupRetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static StoredBackup At(string name, int minutes) => new("ops", name, "web", "apps", 2, T0.AddMinutes(minutes));

    [Theory]
    [InlineData(1, new[] { "b3", "b2", "b1" })]
    [InlineData(2, new[] { "b2", "b1" })]
    [InlineData(3, new[] { "b1" })]
    [InlineData(4, new string[0])]
    [InlineData(20, new string[0])]
    public void Beyond_RemovesTheOldestBeyondKeep_NeverTheVerifiedOne(int keep, string[] removed)
    {
        StoredBackup[] backups = [At("b2", 2), At("b4", 4), At("b1", 1), At("b3", 3)];

        Assert.Equal(removed, BackupRetention.Beyond(backups, keep, verified: "b4").Select(b => b.Name));
    }

    [Fact]
    public void Beyond_RemovesNothing_WhenTheVerifiedBackupIsNotAmongThem()
    {
        Assert.Empty(BackupRetention.Beyond([At("b1", 1), At("b2", 2), At("b3", 3)], 1, verified: "b9"));
    }

    [Fact]
    public void Beyond_KeepsTheVerifiedBackupEvenWhenItsClockWasBehind()
    {
        // A backup taken by a replica whose clock lags still is the one just verified: the others go first.
        Assert.Equal(["b3"], BackupRetention.Beyond([At("b3", 3), At("new", 0)], 1, verified: "new").Select(b => b.Name));
    }

    [Fact]
    public void NewestFirst_OrdersByTimeTaken_ThenName_WithUntimedBackupsLast()
    {
        StoredBackup[] backups = [At("a", 1), new("ops", "untimed", "web", "apps", null, null), At("c", 5), At("b", 1)];

        Assert.Equal(["c", "b", "a", "untimed"], BackupRetention.NewestFirst(backups).Select(b => b.Name));
    }

    [Fact]
    public void Beyond_RejectsAKeepBelowOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BackupRetention.Beyond([], 0, "x"));
    }
}
