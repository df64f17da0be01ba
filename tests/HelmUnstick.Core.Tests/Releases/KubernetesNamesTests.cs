namespace HelmUnstick.Core.Tests.Releases;

public sealed class KubernetesNamesTests
{
    /// <summary>
    /// The kinds of name, each with its rule: a namespace is an RFC 1123 label, a release name follows Helm's rule, an
    /// object name (a Secret's, a ConfigMap's) is an RFC 1123 subdomain.
    /// </summary>
    public enum NameKind
    {
        Namespace,
        ReleaseName,
        ObjectName,
    }

    private static bool IsValid(NameKind kind, string name) => kind switch
    {
        NameKind.Namespace => KubernetesNames.IsNamespace(name),
        NameKind.ReleaseName => KubernetesNames.IsReleaseName(name),
        _ => KubernetesNames.IsObjectName(name),
    };

    private static string? Problem(NameKind kind, string name) => kind switch
    {
        NameKind.Namespace => KubernetesNames.NamespaceProblem(name),
        NameKind.ReleaseName => KubernetesNames.ReleaseNameProblem(name),
        _ => KubernetesNames.ObjectNameProblem(name),
    };

    [Theory]
    [InlineData(NameKind.Namespace, "gitlab-cny", true)]
    [InlineData(NameKind.Namespace, "a", true)]
    [InlineData(NameKind.Namespace, "x/../gitlab-cny", false)]
    [InlineData(NameKind.Namespace, "ns?x=1", false)]
    [InlineData(NameKind.Namespace, "Team-A", false)]
    [InlineData(NameKind.Namespace, "team.a", false)]
    [InlineData(NameKind.Namespace, "team-a\n", false)]
    [InlineData(NameKind.Namespace, "-a", false)]
    [InlineData(NameKind.Namespace, "", false)]
    [InlineData(NameKind.ReleaseName, "demo", true)]
    [InlineData(NameKind.ReleaseName, "gitlab.cny", true)]
    [InlineData(NameKind.ReleaseName, "demo\n", false)]
    [InlineData(NameKind.ReleaseName, "demo,owner=x", false)]
    [InlineData(NameKind.ReleaseName, "Demo", false)]
    [InlineData(NameKind.ObjectName, "helm-unstick-backup.demo.v4.20261124t080000z", true)]
    [InlineData(NameKind.ObjectName, "sh.helm.release.v1.demo.v4", true)]
    [InlineData(NameKind.ObjectName, "x?y=1", false)]
    [InlineData(NameKind.ObjectName, "../kube-system", false)]
    [InlineData(NameKind.ObjectName, "", false)]
    public void Name_FollowsTheRuleOfItsKind(NameKind kind, string name, bool valid)
    {
        Assert.Equal(valid, IsValid(kind, name));
    }

    [Theory]
    [InlineData(NameKind.Namespace, 63)]
    [InlineData(NameKind.ReleaseName, 53)]
    [InlineData(NameKind.ObjectName, 253)]
    public void Name_IsAtMostTheLengthOfItsKind(NameKind kind, int longest)
    {
        Assert.True(IsValid(kind, new string('a', longest)));
        Assert.False(IsValid(kind, new string('a', longest + 1)));
    }

    [Theory]
    [InlineData(NameKind.ReleaseName, "demo\n", "'demo\\u000a' is not a Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters)")]
    [InlineData(NameKind.ReleaseName, "Demo", "'Demo' is not a Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters)")]
    [InlineData(NameKind.ReleaseName, "demo", null)]
    [InlineData(NameKind.Namespace, "x/../gitlab-cny", "'x/../gitlab-cny' is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)")]
    [InlineData(NameKind.Namespace, "ns\r", "'ns\\u000d' is not a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)")]
    [InlineData(NameKind.Namespace, "gitlab-cny", null)]
    [InlineData(NameKind.ObjectName, "x?y=1", "'x?y=1' is not a Kubernetes object name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)")]
    [InlineData(NameKind.ObjectName, "sh.helm.release.v1.demo.v4", null)]
    public void Problem_IsOneLineWithTheRuleOfItsKind(NameKind kind, string name, string? problem) =>
        Assert.Equal(problem, Problem(kind, name));
}
