using HelmUnstick.Core.Policy;
using HelmUnstick.Engine;

namespace HelmUnstick.Cli.Tests.Serve;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void Parse_TheDocumentedExample_ReadsEveryField()
    {
        const string yaml = """
            rules:                          # first match wins
              - namespaces: ["*-cny", "canary-*"]
                releases: ["*"]
                action: fix
                strategy: mark-failed
                staleAfter: 15m
                helmTimeout: 5m
                skipCiCheck: true
                reason: "auto-unstick for canary namespaces"
              - namespaces: "*"
            limits:
              maxFixesPerHour: 5
            """;

        var policy = PolicyLoader.Parse(yaml, "policy.yaml");

        Assert.Equal(5, policy.MaxFixesPerHour);
        Assert.Equal(
            [
                "*-cny,canary-* | * | Fix MarkFailed staleAfter=00:15:00 helmTimeout=00:05:00 skipCiCheck=True reason=auto-unstick for canary namespaces line=2",
                "* | * | Alert Delete staleAfter=00:15:00 helmTimeout= skipCiCheck=False reason= line=10",
            ],
            policy.Rules.Select(Describe));
    }

    private static string Describe(PolicyRule r) =>
        $"{string.Join(',', r.Namespaces)} | {string.Join(',', r.Releases)} | {r.Action} {r.Strategy} staleAfter={r.StaleAfter} " +
        $"helmTimeout={r.HelmTimeout} skipCiCheck={r.SkipCiCheck} reason={r.Reason} line={r.Line}";

    [Fact]
    public void Parse_RulesWithoutLimits_HasNoLimit()
    {
        var policy = PolicyLoader.Parse("rules: []\n", "p.yaml");

        Assert.Equal((0, (int?)null), (policy.Rules.Count, policy.MaxFixesPerHour));
    }

    [Theory]
    [InlineData(new[] { "rules:", "  - action: fix", "    force: true" }, "p.yaml:3: rules[0]: a policy has no 'force': a fix that a check blocks stays blocked (run fix --force by hand)")]
    [InlineData(new[] { "rules:", "  - action: fix", "    skipCiCheck: true" }, "p.yaml:3: rules[0].skipCiCheck needs a 'reason' (it goes into the audit log)")]
    [InlineData(new[] { "rules:", "  - action: fix", "    skipCiCheck: true", "    reason: \"  \"" }, "p.yaml:3: rules[0].skipCiCheck needs a 'reason' (it goes into the audit log)")]
    [InlineData(new[] { "rules:", "  - action: repair" }, "p.yaml:2: rules[0].action 'repair' is not one of alert, fix")]
    [InlineData(new[] { "rules:", "  - strategy: rollback" }, "p.yaml:2: rules[0].strategy 'rollback' is not one of delete, mark-failed")]
    [InlineData(new[] { "rules:", "  - staleAfter: 15 minutes" }, "p.yaml:2: rules[0].staleAfter '15 minutes' is not a duration; use Go's form, for example 90s, 15m or 1h")]
    [InlineData(new[] { "rules:", "  - action: alert", "  - namespace: [a]" }, "p.yaml:3: unknown key 'namespace' under rules[1] (expected one of namespaces, releases, action, strategy, staleAfter, helmTimeout, skipCiCheck, reason)")]
    [InlineData(new[] { "rules:", "  - namespaces: []" }, "p.yaml:2: rules[0].namespaces must not be empty (leave it out to match everything)")]
    [InlineData(new[] { "rules:", "  - namespaces: {a: b}" }, "p.yaml:2: rules[0].namespaces must be a glob or a list of globs")]
    [InlineData(new[] { "rules:", "  - skipCiCheck: yes", "    reason: x" }, "p.yaml:2: rules[0].skipCiCheck 'yes' is not true or false")]
    [InlineData(new[] { "rules: {}" }, "p.yaml:1: rules must be a list of rules")]
    [InlineData(new[] { "rule: []" }, "p.yaml:1: unknown key 'rule' at the top level (expected rules, limits)")]
    [InlineData(new[] { "limits:", "  maxFixesPerHour: 5" }, "p.yaml:1: missing 'rules' (a list; the first rule that matches a release decides)")]
    [InlineData(new[] { "rules: []", "limits:", "  maxFixesPerHour: -1" }, "p.yaml:3: limits.maxFixesPerHour '-1' is not a whole number of 0 or more")]
    [InlineData(new[] { "rules: []", "limits:", "  maxFixes: 1" }, "p.yaml:3: unknown key 'maxFixes' under limits (expected maxFixesPerHour)")]
    [InlineData(new string[0], "p.yaml:1: the policy is empty; it needs 'rules' (without --policy, serve only alerts)")]
    [InlineData(new[] { "rules: [" }, "p.yaml:2: invalid YAML: While parsing a node, did not find expected node content.")]
    public void Parse_AMistake_IsOneLineNamingFileLineAndProblem(string[] lines, string expected)
    {
        var e = Assert.Throws<EngineException>(() => PolicyLoader.Parse(string.Concat(lines.Select(line => line + "\n")), "p.yaml"));

        Assert.Equal((ExitCodes.Usage, expected), (ExitCodes.For(e.Failure), e.Message));
    }

    [Fact]
    public void Load_AMissingFile_IsAUsageError()
    {
        var e = Assert.Throws<EngineException>(() => PolicyLoader.Load("/nonexistent/policy.yaml"));

        Assert.StartsWith("/nonexistent/policy.yaml: cannot read the policy file: ", e.Message);
    }
}
