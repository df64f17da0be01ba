namespace HelmUnstick.Core.Tests.Releases;

public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("gitlab-cny", true)]
    [InlineData("a", true)]
    [InlineData("x/../gitlab-cny", false)]
    [InlineData("ns?x=1", false)]
    [InlineData("Team-A", false)]
    [InlineData("team.a", false)]
    [InlineData("team-a\n", false)]
    [InlineData("-a", false)]
    [InlineData("", false)]
    public void Namespace_FollowsTheRfc1123LabelRule(string name, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.IsNamespace(name));
        Assert.False(KubernetesNames.IsNamespace(new string('a', 64)));
    }

    [Theory]
    [InlineData("demo", true)]
    [InlineData("gitlab.cny", true)]
    [InlineData("demo\n", false)]
    [InlineData("demo,owner=x", false)]
    [InlineData("Demo", false)]
    public void ReleaseName_FollowsHelmsRule(string name, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.IsReleaseName(name));
        Assert.False(KubernetesNames.IsReleaseName(new string('a', 54)));
    }

    [Theory]
    [InlineData("demo\n", "'demo\\u000a' is not a Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters)")]
    [InlineData("Demo", "'Demo' is not a Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters)")]
    [InlineData("demo", null)]
    public void ReleaseNameProblem_IsOneLineWithTheRule(string name, string? problem) =>
        Assert.Equal(problem, KubernetesNames.ReleaseNameProblem(name));

    [Theory]
    [InlineData("x/../gitlab-cny", "'x/../gitlab-cny' is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)")]
    [InlineData("ns\r", "'ns\\u000d' is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)")]
    [InlineData("gitlab-cny", null)]
    public void NamespaceProblem_IsOneLineWithTheRule(string name, string? problem) =>
        Assert.Equal(problem, KubernetesNames.NamespaceProblem(name));

    [Theory]
    [InlineData("helm-unstick-backup.demo.v4.20261124t080000z", true)]
    [InlineData("sh.helm.release.v1.demo.v4", true)]
    [InlineData("x?y=1", false)]
    [InlineData("../kube-system", false)]
    [InlineData("", false)]
    public void ObjectName_FollowsTheRfc1123SubdomainRule(string name, bool valid)
    {
        Assert.Equal(valid, KubernetesNames.IsObjectName(name));
        Assert.True(KubernetesNames.IsObjectName(new string('a', 253)));
        Assert.False(KubernetesNames.IsObjectName(new string('a', 254)));
    }
}
