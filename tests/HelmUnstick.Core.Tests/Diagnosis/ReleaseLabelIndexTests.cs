using HelmUnstick.Core.Diagnosis;

namespace HelmUnstick.Core.Tests.Diagnosis;

public sealed class ReleaseLabelIndexTests
{
    private static ReleaseSecretLabels Secret(string ns, string release, int version, string? status) =>
        new(ns, $"sh.helm.release.v1.{release}.v{version}", release, version, status);

    private static readonly ReleaseKey Web = new("apps", "web");

    [Theory]
    [InlineData("pending-upgrade", true)]
    [InlineData("pending-install", true)]
    [InlineData("pending-rollback", true)]
    [InlineData("deployed", false)]
    [InlineData("failed", false)]
    [InlineData("superseded", false)]
    [InlineData(null, true)]
    [InlineData("something-new", true)]
    public void IsCandidate_FollowsTheNewestRevisionsStatusLabel(string? status, bool candidate)
    {
        var index = new ReleaseLabelIndex();
        index.Upsert(Secret("apps", "web", 1, "superseded"));
        index.Upsert(Secret("apps", "web", 2, status));

        Assert.Equal(candidate, index.IsCandidate(Web));
    }

    [Fact]
    public void IsCandidate_AnOlderPendingRevision_DoesNotMakeTheReleaseACandidate()
    {
        var index = new ReleaseLabelIndex();
        index.Upsert(Secret("apps", "web", 9, "pending-upgrade"));
        index.Upsert(Secret("apps", "web", 10, "deployed"));

        Assert.Equal((false, 10), (index.IsCandidate(Web), index.Newest(Web)!.Version));
    }

    [Fact]
    public void Remove_TheStuckRevision_LeavesThePreviousOneNewest()
    {
        var index = new ReleaseLabelIndex();
        index.Upsert(Secret("apps", "web", 1, "deployed"));
        index.Upsert(Secret("apps", "web", 2, "pending-upgrade"));

        var affected = index.Remove("apps", "sh.helm.release.v1.web.v2");

        Assert.Equal([Web], affected);
        Assert.Equal((false, 1), (index.IsCandidate(Web), index.Newest(Web)!.Version));
        Assert.Empty(index.Remove("apps", "sh.helm.release.v1.web.v2"));
    }

    [Fact]
    public void Remove_TheLastRevision_ForgetsTheRelease()
    {
        var index = new ReleaseLabelIndex();
        index.Upsert(Secret("apps", "web", 1, "pending-install"));

        index.Remove("apps", "sh.helm.release.v1.web.v1");

        Assert.Null(index.Newest(Web));
        Assert.Empty(index.Candidates());
        Assert.Empty(index.ReplaceAll([]));
    }

    [Fact]
    public void ReplaceAll_ReportsReleasesThatVanishedAndAppeared()
    {
        var index = new ReleaseLabelIndex();
        index.Upsert(Secret("apps", "web", 1, "pending-install"));

        var affected = index.ReplaceAll([Secret("apps", "api", 3, "pending-upgrade"), Secret("ops", "web", 1, "deployed")]);

        Assert.Equal(
            new[] { "apps/api", "apps/web", "ops/web" },
            affected.Select(k => k.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal([new ReleaseKey("apps", "api")], index.Candidates());
    }

    [Fact]
    public void From_ReadsHelmsLabels_AndIgnoresSecretsWithoutAReleaseName()
    {
        var labels = new Dictionary<string, string> { ["name"] = "web", ["version"] = "12", ["status"] = "deployed", ["owner"] = "helm" };

        Assert.Equal(new ReleaseSecretLabels("apps", "s", "web", 12, "deployed"), ReleaseSecretLabels.From("apps", "s", labels));
        Assert.Null(ReleaseSecretLabels.From("apps", "s", new Dictionary<string, string> { ["owner"] = "helm" }));
        Assert.Null(ReleaseSecretLabels.From("apps", "s", null));
    }
}
