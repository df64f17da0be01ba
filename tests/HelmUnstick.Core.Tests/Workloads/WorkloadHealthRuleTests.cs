namespace HelmUnstick.Core.Tests.Workloads;

public sealed class WorkloadHealthRuleTests
{
    private static readonly WorkloadCondition[] Ready =
    [
        new("Available", "True", "MinimumReplicasAvailable"),
        new("Progressing", "True", "NewReplicaSetAvailable"),
    ];

    private static WorkloadStatus Deployment(
        int desired = 3, int updated = 3, int available = 3, long generation = 4, long? observed = 4,
        WorkloadCondition[]? conditions = null, bool hpa = false) =>
        new("Deployment", "gitlab-cny", "gitlab-cny-webservice", generation, observed, desired, updated, available, conditions ?? Ready, hpa);

    [Fact]
    public void Evaluate_UpToDateDeployment_IsHealthyWithEvidence()
    {
        var finding = WorkloadHealthRule.Evaluate(Deployment());

        Assert.True(finding.Healthy);
        Assert.Equal("updated 3/3, available 3/3, generation 4/4, Available=True, Progressing=True", finding.Evidence);
    }

    [Theory]
    [InlineData(20, 19, 19, true, true)]   // HPA mid-scale: 1 short of 20, tolerance 2
    [InlineData(20, 18, 18, true, true)]   // exactly 10 %
    [InlineData(20, 17, 20, true, false)]  // more than 10 %
    [InlineData(5, 4, 4, true, true)]      // tolerance is at least one
    [InlineData(5, 3, 5, true, false)]
    [InlineData(20, 19, 19, false, false)] // without an HPA nothing may be missing
    [InlineData(3, 3, 2, false, false)]
    [InlineData(3, 4, 4, false, true)]     // a surge above the desired count is no shortfall
    public void Evaluate_ReplicaCounts_AllowTenPercentOnlyUnderAnHpa(int desired, int updated, int available, bool hpa, bool healthy)
    {
        Assert.Equal(healthy, WorkloadHealthRule.Evaluate(Deployment(desired, updated, available, hpa: hpa)).Healthy);
    }

    [Fact]
    public void Evaluate_ProgressDeadlineExceeded_IsUnhealthyAndSaysWhy()
    {
        var finding = WorkloadHealthRule.Evaluate(Deployment(conditions:
        [
            new("Available", "True"),
            new("Progressing", "False", "ProgressDeadlineExceeded"),
        ]));

        Assert.False(finding.Healthy);
        Assert.Equal(["condition Progressing is False (ProgressDeadlineExceeded)"], finding.Problems);
    }

    [Fact]
    public void Evaluate_MissingConditions_IsUnhealthy()
    {
        var finding = WorkloadHealthRule.Evaluate(Deployment(conditions: []));

        Assert.Equal(["condition Available is missing", "condition Progressing is missing"], finding.Problems);
    }

    [Theory]
    [InlineData(5L, 4L)]
    [InlineData(5L, null)]
    public void Evaluate_GenerationNotObserved_IsUnhealthy(long generation, long? observed)
    {
        var finding = WorkloadHealthRule.Evaluate(Deployment(generation: generation, observed: observed));

        Assert.False(finding.Healthy);
        Assert.Contains("has not observed generation 5", Assert.Single(finding.Problems));
    }

    [Fact]
    public void Evaluate_StatefulSetWithoutConditions_IsJudgedByCounts()
    {
        var healthy = new WorkloadStatus("StatefulSet", "ns", "gitaly", 2, 2, 3, 3, 3, []);
        var rolling = healthy with { UpdatedReplicas = 1 };

        Assert.True(WorkloadHealthRule.Evaluate(healthy).Healthy);
        Assert.Equal(["updated replicas 1 of 3"], WorkloadHealthRule.Evaluate(rolling).Problems);
    }
}
