using HelmUnstick.Engine;

namespace HelmUnstick.Cli.Tests.Safety;

/// <summary>An audit line's outcome is typed in the engine and written as the text it always was.</summary>
public sealed class AuditOutcomeTests
{
    [Fact]
    public void EachKind_IsWrittenAsItsText_AndReadBackAsItself()
    {
        AuditOutcome[] outcomes =
        [
            AuditOutcome.Changed,
            new(AuditOutcomeKind.ChangedBySomeoneElse, "the history shows the planned result (already fixed)"),
            new(AuditOutcomeKind.Error, "connection reset; the Secret is unchanged"),
            new(AuditOutcomeKind.Retried, "deploy-prod"),
        ];

        var lines = outcomes.Select(o => EngineJson.Serialize(new AuditEntry(DateTimeOffset.UnixEpoch, "u", "c", "n", "s", 1, "a", [], o, null), EngineJson.Compact)).ToList();

        Assert.Equal(
            ["\"outcome\":\"changed\"", "\"outcome\":\"changed by someone else: the history shows the planned result (already fixed)\"",
             "\"outcome\":\"error: connection reset; the Secret is unchanged\"", "\"outcome\":\"retried deploy-prod\""],
            lines.Select(line => System.Text.RegularExpressions.Regex.Match(line, "\"outcome\":\"[^\"]*\"").Value));
        Assert.Equal(outcomes, outcomes.Select(o => AuditOutcome.Parse(o.ToString())));
    }
}
