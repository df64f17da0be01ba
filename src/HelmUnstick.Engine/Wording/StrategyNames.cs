using HelmUnstick.Core.Remediation;

namespace HelmUnstick.Engine.Wording;

/// <summary>The strategies as users type them (<c>--strategy delete|mark-failed</c>) and as the audit log and JSON name them.</summary>
internal static class StrategyNames
{
    public static string Of(RemediationStrategy strategy) => strategy switch
    {
        RemediationStrategy.Delete => "delete",
        RemediationStrategy.MarkFailed => "mark-failed",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
    };

    public static IReadOnlyList<RemediationStrategy> All { get; } = Enum.GetValues<RemediationStrategy>();
}
