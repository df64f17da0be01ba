using HelmUnstick.Core.Policy;

namespace HelmUnstick.Core.Tests.Policy;

public sealed class RemediationPolicyTests
{
    [Theory]
    [InlineData("*", "gitlab", true)]
    [InlineData("*", "", true)]
    [InlineData("*-cny", "gitlab-cny", true)]
    [InlineData("*-cny", "gitlab-cny-x", false)]
    [InlineData("canary-*", "canary-", true)]
    [InlineData("canary-*", "canar", false)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("*a*b", "xxbxxa", false)]
    [InlineData("a**", "a", true)]
    public void Glob_Star_MatchesAnyRunOfCharacters_ButTheWholeName(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Glob.Matches(pattern, name));

    [Theory]
    [InlineData("g?tlab", "gitlab", true)]
    [InlineData("g?tlab", "gtlab", false)]
    public void Glob_QuestionMark_MatchesExactlyOneCharacter(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Glob.Matches(pattern, name));

    [Theory]
    [InlineData("gitlab", "gitlab", true)]
    [InlineData("gitlab", "gitlab2", false)]
    public void Glob_WithoutWildcards_MatchesOnlyThatName(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Glob.Matches(pattern, name));

    private static PolicyRule Rule(PolicyAction action, string[] namespaces, string[]? releases = null, RemediationStrategy strategy = RemediationStrategy.Delete, int line = 1) =>
        new(namespaces, releases ?? ["*"], action, strategy, TimeSpan.FromMinutes(15), null, false, null, line);

    public static TheoryData<string, string, PolicyAction, int?> FirstMatchCases() => new()
    {
        // namespace, release, expected action, expected rule line (null: no rule matched)
        { "gitlab-cny", "gitlab", PolicyAction.Alert, 2 },
        { "gitlab-cny", "registry", PolicyAction.Fix, 3 },
        { "canary-web", "web", PolicyAction.Fix, 3 },
        { "gitlab", "gitlab", PolicyAction.Alert, null },
    };

    [Theory]
    [MemberData(nameof(FirstMatchCases))]
    public void Decide_TheFirstMatchingRuleWins_AndNoMatchOnlyAlerts(string ns, string release, PolicyAction action, int? line)
    {
        var policy = new RemediationPolicy(
            [
                Rule(PolicyAction.Alert, ["*-cny"], ["gitlab"], line: 2),
                Rule(PolicyAction.Fix, ["*-cny", "canary-*"], strategy: RemediationStrategy.MarkFailed, line: 3),
            ],
            MaxFixesPerHour: 5);

        var decision = policy.Decide(ns, release);

        Assert.Equal((action, line), (decision.Action, decision.Rule?.Line));
    }

    [Fact]
    public void AlertOnly_NeverFixes_AndUsesTheDefaultStaleness()
    {
        var decision = RemediationPolicy.AlertOnly.Decide("gitlab-cny", "gitlab");

        Assert.Equal(
            new PolicyDecision(PolicyAction.Alert, RemediationStrategy.Delete, TimeSpan.FromMinutes(15), null, false, null, null),
            decision);
        Assert.False(RemediationPolicy.AlertOnly.CanFix);
    }

    [Fact]
    public void CanFix_IsTrueOnlyWhenSomeRuleFixes()
    {
        Assert.False(new RemediationPolicy([Rule(PolicyAction.Alert, ["*"])], null).CanFix);
        Assert.True(new RemediationPolicy([Rule(PolicyAction.Alert, ["*"]), Rule(PolicyAction.Fix, ["x"])], null).CanFix);
    }

    [Fact]
    public void FixRateLimit_AllowsAtMostTheLimitWithinAnHour_ThenFreesSlotsAsTheyAge()
    {
        var start = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var limit = new FixRateLimit(2);

        var allowed = new List<bool>();
        foreach (var minutes in new[] { 0, 10, 20, 59, 60, 70, 71 })
        {
            var now = start.AddMinutes(minutes);
            var ok = limit.Allows(now);
            allowed.Add(ok);
            if (ok)
            {
                limit.Record(now);
            }
        }

        // 0 and 10 use the two slots; 20 and 59 are refused; at 60 the first slot frees, at 70 the second; 71 is refused.
        Assert.Equal([true, true, false, false, true, true, false], allowed);
    }

    [Fact]
    public void FixRateLimit_WithoutALimit_AllowsEveryFix()
    {
        var limit = new FixRateLimit(null);
        var now = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < 100; i++)
        {
            Assert.True(limit.Allows(now));
            limit.Record(now);
        }
    }

    [Fact]
    public void FixRateLimit_OfZero_AllowsNothing() => Assert.False(new FixRateLimit(0).Allows(DateTimeOffset.UnixEpoch));
}
