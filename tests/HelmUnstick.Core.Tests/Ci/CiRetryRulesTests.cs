namespace HelmUnstick.Core.Tests.Ci;

public sealed class CiRetryRulesTests
{
    private static CiDeployRecord Deploy(long id, CiJobState state, long? jobId = 100) =>
        new(id, "gprd", jobId + id, $"gprd:upgrade {id}", state, $"https://ops.example.com/-/jobs/{jobId + id}");

    public static TheoryData<string, CiDeployRecord[], long?> Choices => new()
    {
        { "no deploy at all", [], null },
        { "newest deploy failed", [Deploy(3, CiJobState.Failed), Deploy(2, CiJobState.Success)], 103 },
        { "newest deploy canceled", [Deploy(3, CiJobState.Canceled), Deploy(2, CiJobState.Failed)], 103 },
        { "an active deploy is passed over", [Deploy(4, CiJobState.Active), Deploy(3, CiJobState.Failed)], 103 },
        { "a later success replaced the failure", [Deploy(3, CiJobState.Success), Deploy(2, CiJobState.Failed)], null },
        { "a failed deployment without a job", [Deploy(3, CiJobState.Failed, jobId: null)], null },
    };

    [Theory]
    [MemberData(nameof(Choices))]
    public void ChooseForEnvironment_RetriesOnlyTheNewestFinishedDeployWhenItFailed(string situation, CiDeployRecord[] newestFirst, long? expectedJob)
    {
        Assert.True(expectedJob == CiRetryRules.ChooseForEnvironment(newestFirst)?.JobId, situation);
    }

    [Theory]
    [InlineData("https://github.com/acme/platform-deploy/actions/runs/9001/job/77", 9001L)]
    [InlineData("https://github.com/acme/platform-deploy/actions/runs/9001", 9001L)]
    [InlineData("https://ghe.example.com/acme/deploy/actions/runs/12?check_suite_focus=true", 12L)]
    [InlineData("https://example.com/deploys/9001", null)]
    [InlineData("https://github.com/acme/x/actions/runs/abc", null)]
    [InlineData(null, null)]
    public void RunIdFromUrl_ReadsTheRunFromAnActionsLink(string? url, long? expected)
    {
        Assert.Equal(expected, CiRetryRules.RunIdFromUrl(url));
    }

    [Theory]
    [InlineData("queued", null, CiJobState.Active)]
    [InlineData("in_progress", null, CiJobState.Active)]
    [InlineData("waiting", null, CiJobState.Active)]
    [InlineData("completed", "success", CiJobState.Success)]
    [InlineData("completed", "failure", CiJobState.Failed)]
    [InlineData("completed", "timed_out", CiJobState.Failed)]
    [InlineData("completed", "startup_failure", CiJobState.Failed)]
    [InlineData("completed", "cancelled", CiJobState.Canceled)]
    public void GitHubRunState_IsActiveUntilCompletedThenItsConclusion(string status, string? conclusion, CiJobState expected)
    {
        Assert.Equal(expected, CiRetryRules.GitHubRunState(status, conclusion));
    }

    [Theory]
    [InlineData("success", CiJobState.Success)]
    [InlineData("failed", CiJobState.Failed)]
    [InlineData("canceled", CiJobState.Canceled)]
    [InlineData("skipped", CiJobState.Canceled)]
    [InlineData("pending", CiJobState.Active)]
    [InlineData("running", CiJobState.Active)]
    [InlineData("created", CiJobState.Active)]
    [InlineData("blocked", CiJobState.Active)]
    public void GitLabJobState_ReadsJobAndDeploymentStatuses(string status, CiJobState expected)
    {
        Assert.Equal(expected, CiRetryRules.GitLabJobState(status));
    }

    [Theory]
    [InlineData(null, CiJobState.Active)]
    [InlineData("in_progress", CiJobState.Active)]
    [InlineData("failure", CiJobState.Failed)]
    [InlineData("error", CiJobState.Failed)]
    [InlineData("success", CiJobState.Success)]
    [InlineData("inactive", CiJobState.Success)]
    public void GitHubDeploymentState_FailureAndErrorAreFailed(string? state, CiJobState expected)
    {
        Assert.Equal(expected, CiRetryRules.GitHubDeploymentState(state));
    }

    [Theory]
    [InlineData(CiRetryOutcome.Success, ReleaseStatus.Deployed, true)]
    [InlineData(CiRetryOutcome.Success, ReleaseStatus.PendingUpgrade, false)]
    [InlineData(CiRetryOutcome.Success, ReleaseStatus.Failed, false)]
    [InlineData(CiRetryOutcome.Failed, ReleaseStatus.Deployed, false)]
    [InlineData(CiRetryOutcome.Timeout, ReleaseStatus.Deployed, false)]
    [InlineData(CiRetryOutcome.Success, null, false)]
    public void IsRemediated_NeedsASucceededJobAndADeployedNewestRevision(CiRetryOutcome outcome, ReleaseStatus? newest, bool expected)
    {
        Assert.Equal(expected, CiRetryRules.IsRemediated(outcome, newest));
    }

    [Fact]
    public void OutcomeNames_AreTheJsonValues()
    {
        Assert.Equal(
            ["retried", "success", "failed", "canceled", "timeout", "none-found", "blocked", "error"],
            Enum.GetValues<CiRetryOutcome>().Select(o => o.ToName()));
    }
}
