namespace HelmUnstick.Core.Tests.Liveness;

/// <summary>
/// What the release's Lease proves about a pending revision written at 12:00:00 (info.last_deployed), judged at
/// <see cref="Now"/>: a live holder makes it possibly-running, a gone holder whose term covers the revision makes it
/// stale, whatever the other signs; any other Lease proves nothing.
/// </summary>
public sealed class LeaseRuleTests
{
    private static readonly DateTimeOffset LastDeployed = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = LastDeployed + TimeSpan.FromMinutes(1);

    private static ReleaseLease Lease(string? holder, int acquiredSecondsBefore, int renewedSecondsAgo, int durationSeconds = 15, int? endedSecondsAgo = null) =>
        new("team-a", "helm-unstick.demo", holder, LastDeployed - TimeSpan.FromSeconds(acquiredSecondsBefore), Now - TimeSpan.FromSeconds(renewedSecondsAgo),
            durationSeconds, "runner-7/4242/k3x9", "https://gitlab.example/ops/deploy/-/jobs/77", "upgrade ./chart",
            endedSecondsAgo is { } ago ? Now - TimeSpan.FromSeconds(ago) : null);

    public static TheoryData<string, ReleaseLease?, LeaseStanding> Cases => new()
    {
        { "no Lease", null, LeaseStanding.NoEvidence },
        { "held, renewed 5s ago of 15s", Lease("runner-7/4242/k3x9", 2, 5), LeaseStanding.HolderLive },
        { "held, renewed exactly one duration ago", Lease("runner-7/4242/k3x9", 2, 15), LeaseStanding.HolderLive },
        { "held, taken after the revision was written", Lease("runner-7/4242/k3x9", -30, 5), LeaseStanding.HolderLive },
        { "holder set but not renewed for longer than its duration", Lease("runner-7/4242/k3x9", 2, 16), LeaseStanding.HolderGone },
        { "released after the revision was written", Lease("", 2, 20, endedSecondsAgo: 19), LeaseStanding.HolderGone },
        { "acquired within the 5s skew after last_deployed", Lease("", -5, 20, endedSecondsAgo: 19), LeaseStanding.HolderGone },
        { "acquired 6s after last_deployed (a newer run's lease)", Lease("", -6, 20, endedSecondsAgo: 19), LeaseStanding.NoEvidence },
        { "released before the revision was written (a plain helm wrote it later)", Lease("", 3600, 3000, endedSecondsAgo: 3000), LeaseStanding.NoEvidence },
        { "expired before the revision was written, no end recorded", Lease(null, 3600, 3000), LeaseStanding.NoEvidence },
        { "released within the 5s skew before last_deployed", Lease("", 30, 70, endedSecondsAgo: 65), LeaseStanding.HolderGone },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Judge_DecidesFromHolderAndTerm(string because, ReleaseLease? lease, LeaseStanding expected)
    {
        Assert.True(expected == LeaseRule.Judge(lease, LastDeployed, Now), because);
    }

    [Fact]
    public void Judge_WithoutLastDeployed_ProvesNothingOnceReleased()
    {
        Assert.Equal(LeaseStanding.NoEvidence, LeaseRule.Judge(Lease("", 2, 20, endedSecondsAgo: 19), null, Now));
    }

    [Theory]
    [InlineData("web", "helm-unstick.web")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "helm-unstick.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("release-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "release-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-ea2e8f003a")]
    public void NameFor_IsPrefixed_AndHashSuffixedWhenLongerThan63(string release, string expected)
    {
        Assert.Equal(expected, LeaseRule.NameFor(release));
    }

    /// <summary>The Lease's verdict wins over every other sign, both ways, and comes first in the evidence.</summary>
    [Fact]
    public void Assess_LiveHolder_IsPossiblyRunningAlthoughEverythingIsQuiet()
    {
        var lease = Lease("runner-7/4242/k3x9", 2, 5);

        var assessment = LivenessRule.Assess(QuietFacts(lease));

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Equal(new LivenessFinding(LivenessVerdict.PossiblyRunning, LivenessSignal.LeaseHeld, new ResourceKey("Lease", "team-a", "helm-unstick.demo"),
            PendingObjectRole.Manifest, LastWrite: lease.RenewTime, Lease: lease), assessment.Findings[0]);
    }

    [Fact]
    public void Assess_GoneHolder_IsStaleAlthoughTheRevisionIsFreshAndAnObjectUnreadable()
    {
        var lease = Lease("", 2, 20, endedSecondsAgo: 19);
        var facts = QuietFacts(lease) with
        {
            ReleaseStorageWrites = [LastDeployed],
            Objects = [ObservedObject.Unreadable(new ResourceKey("ConfigMap", "team-a", "demo-cfg"), PendingObjectRole.Manifest, "forbidden")],
        };

        var assessment = LivenessRule.Assess(facts);

        Assert.Equal(LivenessVerdict.Stale, assessment.Verdict);
        Assert.Equal(
            [LivenessSignal.LeaseHolderGone, LivenessSignal.RecentRevisionWrite, LivenessSignal.Unreadable],
            assessment.Findings.Select(f => f.Signal));
    }

    [Fact]
    public void Assess_LeaseOfAnotherTerm_LeavesTheOtherSignsToDecide()
    {
        var facts = QuietFacts(Lease("", 3600, 3000, endedSecondsAgo: 3000)) with { ReleaseStorageWrites = [LastDeployed] };

        var assessment = LivenessRule.Assess(facts);

        Assert.Equal(LivenessVerdict.PossiblyRunning, assessment.Verdict);
        Assert.Equal([LivenessSignal.RecentRevisionWrite], assessment.Findings.Select(f => f.Signal));
    }

    private static LivenessFacts QuietFacts(ReleaseLease lease) =>
        new(new ResourceKey("Secret", "team-a", "sh.helm.release.v1.demo.v4"), LastDeployed, 0, [], [], Now, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5), lease);
}
