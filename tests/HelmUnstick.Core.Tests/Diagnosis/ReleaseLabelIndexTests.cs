namespace HelmUnstick.Core.Tests.Diagnosis;

public sealed class ReleaseLabelIndexTests
{
    private static readonly ReleaseKey Web = new("apps", "web");

    private static Dictionary<string, string> Labels(string? release, string? version, string? status)
    {
        var labels = new Dictionary<string, string> { ["owner"] = "helm" };
        foreach (var (key, value) in new[] { ("name", release), ("version", version), ("status", status) })
        {
            if (value is not null)
            {
                labels[key] = value;
            }
        }

        return labels;
    }

    private static IReadOnlyList<ReleaseKey> Upsert(ReleaseLabelIndex index, string release, int version, string? status) =>
        index.Upsert("apps", $"sh.helm.release.v1.{release}.v{version}", Labels(release, version.ToString(), status));

    private static (string[] ObjectNames, PayloadReadReason Reason)? Reads(ReleaseLabelIndex index, ReleaseKey key) =>
        index.PayloadsToRead(key) is { } read ? (read.ObjectNames.ToArray(), read.Reason) : null;

    [Theory]
    [InlineData("pending-upgrade", true)]
    [InlineData("pending-install", true)]
    [InlineData("pending-rollback", true)]
    [InlineData("deployed", false)]
    [InlineData("failed", false)]
    [InlineData("superseded", false)]
    public void PayloadsToRead_FollowTheNewestRevisionsStatusLabel(string status, bool read)
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 1, "superseded");
        Upsert(index, "web", 2, status);

        Assert.Equal(read ? (["sh.helm.release.v1.web.v2"], PayloadReadReason.PendingByLabels) : null, Reads(index, Web));
    }

    [Theory]
    [InlineData("x", "pending-upgrade")]
    [InlineData(null, "pending-upgrade")]
    [InlineData("3", null)]
    [InlineData("3", "something-new")]
    public void PayloadsToRead_ASecretWithAMissingOrMalformedLabel_IsReadWithTheNewestWellLabelledOne(string? version, string? status)
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 2, "deployed");
        index.Upsert("apps", "sh.helm.release.v1.web.v3", Labels("web", version, status));

        Assert.Equal((["sh.helm.release.v1.web.v3", "sh.helm.release.v1.web.v2"], PayloadReadReason.MalformedLabels), Reads(index, Web));
        Assert.Equal([Web], index.Candidates());
    }

    [Fact]
    public void Upsert_ASecretWithoutANameLabel_IsAReleaseOfItsOwn_UntilItIsLabelled()
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 2, "deployed");
        var nameless = new ReleaseKey("apps", "sh.helm.release.v1.web.v3");

        var added = index.Upsert("apps", "sh.helm.release.v1.web.v3", Labels(null, "3", "pending-upgrade"));
        var readsNameless = Reads(index, nameless);
        var readsWeb = Reads(index, Web);
        var labelled = Upsert(index, "web", 3, "pending-upgrade");

        Assert.Equal([nameless], added);
        Assert.Equal((["sh.helm.release.v1.web.v3"], PayloadReadReason.MalformedLabels), readsNameless);
        Assert.Null(readsWeb);
        Assert.Equal([nameless, Web], labelled);
        Assert.Equal((["sh.helm.release.v1.web.v3"], PayloadReadReason.PendingByLabels), Reads(index, Web));
        Assert.Null(index.PayloadsToRead(nameless));
    }

    [Fact]
    public void PayloadsToRead_AnOlderPendingRevision_DoesNotMakeTheReleaseACandidate()
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 9, "pending-upgrade");
        Upsert(index, "web", 10, "deployed");

        Assert.Null(index.PayloadsToRead(Web));
        Assert.Empty(index.Candidates());
    }

    [Fact]
    public void Remove_TheStuckRevision_LeavesThePreviousOneNewest()
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 1, "pending-install");
        Upsert(index, "web", 2, "pending-upgrade");

        var affected = index.Remove("apps", "sh.helm.release.v1.web.v2");

        Assert.Equal([Web], affected);
        Assert.Equal((["sh.helm.release.v1.web.v1"], PayloadReadReason.PendingByLabels), Reads(index, Web));
        Assert.Empty(index.Remove("apps", "sh.helm.release.v1.web.v2"));
    }

    [Fact]
    public void Remove_TheLastRevision_ForgetsTheRelease()
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 1, "pending-install");

        index.Remove("apps", "sh.helm.release.v1.web.v1");

        Assert.Null(index.PayloadsToRead(Web));
        Assert.Empty(index.Candidates());
        Assert.Empty(index.ReplaceAll(new ReleaseLabelIndex()));
    }

    [Fact]
    public void ReplaceAll_ReportsReleasesThatVanishedAndAppeared()
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 1, "pending-install");

        var fresh = new ReleaseLabelIndex();
        fresh.Upsert("apps", "sh.helm.release.v1.api.v3", Labels("api", "3", "pending-upgrade"));
        fresh.Upsert("ops", "sh.helm.release.v1.web.v1", Labels("web", "1", "deployed"));

        var affected = index.ReplaceAll(fresh);

        Assert.Equal(
            new[] { "apps/api", "apps/web", "ops/web" },
            affected.Select(k => k.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal([new ReleaseKey("apps", "api")], index.Candidates());
    }

    [Fact]
    public void ResourceVersionOf_IsTheLastOneListedOrWatched_AndIsForgottenWithTheSecret()
    {
        const string Name = "sh.helm.release.v1.web.v1";
        var index = new ReleaseLabelIndex();
        index.Upsert("apps", Name, Labels("web", "1", "deployed"), "10");
        var listed = index.ResourceVersionOf("apps", Name);
        index.Upsert("apps", Name, Labels("web", "1", "superseded"), "12");
        var watched = index.ResourceVersionOf("apps", Name);
        index.Remove("apps", Name);

        Assert.Equal(("10", "12", (string?)null), (listed, watched, index.ResourceVersionOf("apps", Name)));
    }

    [Theory]
    [InlineData("web-copy-of-v3")]
    [InlineData("sh.helm.release.v1.web.v03")]
    [InlineData("sh.helm.release.v1.api.v3")]
    public void ASecretNamedOtherwiseThanHelmNamesIt_IsReadAndFoundByItsOwnName(string name)
    {
        var index = new ReleaseLabelIndex();
        Upsert(index, "web", 2, "deployed");
        index.Upsert("apps", name, Labels("web", "3", "pending-upgrade"), "7");

        var reads = Reads(index, Web);
        var version = index.ResourceVersionOf("apps", name);
        var removed = index.Remove("apps", name);

        Assert.Equal(((string[], PayloadReadReason)?)([name], PayloadReadReason.PendingByLabels), reads);
        Assert.Equal(("7", Web), (version, Assert.Single(removed)));
        Assert.Null(index.PayloadsToRead(Web));
        Assert.Null(index.ResourceVersionOf("apps", "sh.helm.release.v1.web.v3"));
    }

    [Fact]
    public void From_ReadsHelmsLabels_AndIgnoresSecretsWithoutAReleaseName()
    {
        var labels = new Dictionary<string, string> { ["name"] = "web", ["version"] = "12", ["status"] = "deployed", ["owner"] = "helm" };

        Assert.Equal(new ReleaseObjectLabels("apps", "s", "web", 12, "deployed"), ReleaseObjectLabels.From("apps", "s", labels));
        Assert.Null(ReleaseObjectLabels.From("apps", "s", new Dictionary<string, string> { ["owner"] = "helm" }));
        Assert.Null(ReleaseObjectLabels.From("apps", "s", null));
    }
}
