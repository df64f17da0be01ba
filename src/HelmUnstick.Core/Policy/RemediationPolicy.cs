using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Core.Policy;

/// <summary>What <c>serve</c> does with a stuck release that a rule matches.</summary>
public enum PolicyAction
{
    /// <summary>Report it (metrics, Event, log line); change nothing.</summary>
    Alert,

    /// <summary>Unstick it through the same checks as <c>fix --apply</c>, when they all pass.</summary>
    Fix,
}

/// <summary>
/// One rule of a policy file. Globs match namespaces and release names (<c>*</c> any run of characters,
/// <c>?</c> one). There is deliberately no force: a fix that a check blocks stays blocked.
/// </summary>
public sealed record PolicyRule(
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> Releases,
    PolicyAction Action,
    RemediationStrategy Strategy,
    TimeSpan StaleAfter,
    TimeSpan? HelmTimeout,
    bool SkipCiCheck,
    string? Reason,
    int Line)
{
    public bool Matches(string ns, string release) =>
        Namespaces.Any(p => Glob.Matches(p, ns)) && Releases.Any(p => Glob.Matches(p, release));
}

/// <summary>The outcome of evaluating a policy for one release: the matching rule, or alert-only when none matches.</summary>
public sealed record PolicyDecision(PolicyAction Action, RemediationStrategy Strategy, TimeSpan StaleAfter, TimeSpan? HelmTimeout, bool SkipCiCheck, string? Reason, PolicyRule? Rule);

/// <summary>The rules (first match wins) and the cluster-wide limit on fixes.</summary>
public sealed record RemediationPolicy(IReadOnlyList<PolicyRule> Rules, int? MaxFixesPerHour)
{
    /// <summary>Without a policy nothing is ever changed.</summary>
    public static RemediationPolicy AlertOnly { get; } = new([], null);

    /// <summary>Whether any rule may change a Secret (the chart grants write verbs only then).</summary>
    public bool CanFix => Rules.Any(r => r.Action == PolicyAction.Fix);

    public PolicyDecision Decide(string ns, string release)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(ns, release))
            {
                return new(rule.Action, rule.Strategy, rule.StaleAfter, rule.HelmTimeout, rule.SkipCiCheck, rule.Reason, rule);
            }
        }

        return new(PolicyAction.Alert, RemediationStrategy.Delete, StuckReleaseRule.DefaultStaleAfter, null, false, null, null);
    }
}

/// <summary>Shell-style globs over whole names: <c>*</c> matches any run of characters (also none), <c>?</c> exactly one.</summary>
public static class Glob
{
    public static bool Matches(string pattern, string text)
    {
        // Iterative matching with one backtrack point: linear enough for names of at most 253 characters.
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
