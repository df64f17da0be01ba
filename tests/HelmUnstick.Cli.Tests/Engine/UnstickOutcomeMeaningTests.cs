namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>The one mapping of how an attempt ended: the exit code fix prints, serve's remediation label, whether this run changed anything.</summary>
public sealed class UnstickOutcomeMeaningTests
{
    [Fact]
    public void EachOutcome_HasOneExitCodeRemediationAndChange()
    {
        var table = Enum.GetValues<UnstickOutcome>()
            .Select(outcome => (outcome, ExitCodes.For(outcome), outcome.Meaning().Remediation, outcome.Meaning().Changed))
            .ToList();

        Assert.Equal(
            [
                (UnstickOutcome.Fixed, 0, RemediationOutcome.Fixed, true),
                (UnstickOutcome.NothingToFix, 0, null, false),
                (UnstickOutcome.Blocked, 1, RemediationOutcome.Blocked, false),
                (UnstickOutcome.ApiError, 3, RemediationOutcome.Failed, false),
                (UnstickOutcome.ChangedUnverified, 4, RemediationOutcome.Failed, true),
                (UnstickOutcome.RefusedConcurrentChange, 1, RemediationOutcome.Blocked, false),
                (UnstickOutcome.AlreadyFixed, 0, null, false),
                (UnstickOutcome.ChangedBySomeoneElse, 1, RemediationOutcome.Blocked, false),
            ],
            table);
    }
}
