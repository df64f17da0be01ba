namespace HelmUnstick.Core.Tests.Diagnosis;

public sealed class LabelTriageTests
{
    private static Dictionary<string, string> Labels(string release, string version, string status) =>
        new() { ["name"] = release, ["owner"] = "helm", ["version"] = version, ["status"] = status };

    private static List<(string, string, string, PayloadReadReason)> Reads(LabelTriage triage, bool verify = false) =>
        triage.PayloadsToRead(verify).Select(r => (r.Namespace, r.Release, string.Join(" ", r.ObjectNames), r.Reason)).ToList();

    [Fact]
    public void NewestRevisionLabelledPending_IsTheOnlyPayloadToRead_UnlessEveryReleaseIsVerified()
    {
        var triage = new LabelTriage();
        triage.Add("team-a", "sh.helm.release.v1.web.v9", Labels("web", "9", "superseded"));
        triage.Add("team-a", "sh.helm.release.v1.web.v11", Labels("web", "11", "pending-upgrade"));
        triage.Add("team-a", "sh.helm.release.v1.web.v10", Labels("web", "10", "deployed"));
        triage.Add("team-b", "sh.helm.release.v1.api.v2", Labels("api", "2", "deployed"));
        triage.Add("team-b", "sh.helm.release.v1.api.v1", Labels("api", "1", "superseded"));
        triage.Add("team-b", "sh.helm.release.v1.new.v1", Labels("new", "1", "pending-install"));

        Assert.Equal(
            [("team-a", "web", "sh.helm.release.v1.web.v11", PayloadReadReason.PendingByLabels),
             ("team-b", "new", "sh.helm.release.v1.new.v1", PayloadReadReason.PendingByLabels)],
            Reads(triage));
        Assert.Equal(
            [("team-a", "web", "sh.helm.release.v1.web.v11", PayloadReadReason.PendingByLabels),
             ("team-b", "api", "sh.helm.release.v1.api.v2", PayloadReadReason.Verification),
             ("team-b", "new", "sh.helm.release.v1.new.v1", PayloadReadReason.PendingByLabels)],
            Reads(triage, verify: true));
        Assert.Equal(3, triage.Releases);
    }

    [Fact]
    public void PendingRevisionBelowASettledNewerOne_IsNotACandidate()
    {
        // Version 10 sorts before 9 as text; the labels are compared as numbers, as Helm compares versions.
        var triage = new LabelTriage();
        triage.Add("ns", "sh.helm.release.v1.web.v9", Labels("web", "9", "pending-rollback"));
        triage.Add("ns", "sh.helm.release.v1.web.v10", Labels("web", "10", "failed"));

        Assert.Empty(Reads(triage));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("version")]
    [InlineData("status")]
    public void MissingLabel_ReadsThatSecretAndTheReleasesNewestWellLabelledOne(string missing)
    {
        var odd = Labels("web", "3", "deployed");
        odd.Remove(missing);
        var triage = new LabelTriage();
        triage.Add("ns", "sh.helm.release.v1.web.v2", Labels("web", "2", "deployed"));
        triage.Add("ns", "sh.helm.release.v1.web.v1", Labels("web", "1", "superseded"));
        triage.Add("ns", "sh.helm.release.v1.web.v3", odd);

        Assert.Equal(
            missing == "name"
                ? [("ns", "sh.helm.release.v1.web.v3", "sh.helm.release.v1.web.v3", PayloadReadReason.MalformedLabels)]
                : [("ns", "web", "sh.helm.release.v1.web.v3 sh.helm.release.v1.web.v2", PayloadReadReason.MalformedLabels)],
            Reads(triage));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("-2")]
    [InlineData("0")]
    [InlineData(" 3")]
    public void VersionLabelThatIsNotAPositiveNumber_IsMalformed(string version)
    {
        var triage = new LabelTriage();
        triage.Add("ns", "sh.helm.release.v1.web.v3", Labels("web", version, "deployed"));

        Assert.Equal([("ns", "web", "sh.helm.release.v1.web.v3", PayloadReadReason.MalformedLabels)], Reads(triage));
    }

    [Fact]
    public void StatusLabelHelmNeverWrites_IsMalformed()
    {
        var triage = new LabelTriage();
        triage.Add("ns", "sh.helm.release.v1.web.v3", Labels("web", "3", "Pending-Upgrade"));

        Assert.Equal([("ns", "web", "sh.helm.release.v1.web.v3", PayloadReadReason.MalformedLabels)], Reads(triage));
    }
}
