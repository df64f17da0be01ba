namespace HelmUnstick.Core.Tests.Ci;

public sealed class CiJobReferenceTests
{
    public static TheoryData<string, Dictionary<string, string>, CiJobReference?> Cases => new()
    {
        { "GitLab", new() { ["CI_JOB_URL"] = "https://gitlab.example/ops/deploy/-/jobs/77", ["CI_PROJECT_ID"] = "12", ["CI_JOB_ID"] = "77" },
            new("https://gitlab.example/ops/deploy/-/jobs/77", "12", "77") },
        { "GitHub Actions", new() { ["GITHUB_SERVER_URL"] = "https://github.com/", ["GITHUB_REPOSITORY"] = "acme/web", ["GITHUB_RUN_ID"] = "9001" },
            new("https://github.com/acme/web/actions/runs/9001", "acme/web", "9001") },
        { "Jenkins", new() { ["BUILD_URL"] = "https://jenkins.example/job/deploy/5/" }, new("https://jenkins.example/job/deploy/5/", null, null) },
        { "outside CI", new() { ["HOME"] = "/root", ["CI_JOB_URL"] = "" }, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromEnvironment_NamesTheJob(string because, Dictionary<string, string> environment, CiJobReference? expected)
    {
        Assert.True(Equals(expected, CiJobReference.FromEnvironment(environment.GetValueOrDefault)), because);
    }
}
