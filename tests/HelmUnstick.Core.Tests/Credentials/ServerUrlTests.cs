using HelmUnstick.Core.Credentials;

namespace HelmUnstick.Core.Tests.Credentials;

public sealed class ServerUrlTests
{
    /// <summary>Server URLs as a kubeconfig may hold them, each with the URL shown for it.</summary>
    public static TheoryData<string, string> ShownUrls => new()
    {
        { "http://admin:PASSWORD@host:8080", "http://host:8080" },
        { "https://admin:p%40ss@10.0.0.1:6443/", "https://10.0.0.1:6443" },
        { "https://token@k8s.example.com/api/prefix", "https://k8s.example.com/api/prefix" },
        { "https://10.0.0.1:6443", "https://10.0.0.1:6443" },
        { "user:secret@host:6443", "host:6443" },
    };

    [Theory]
    [MemberData(nameof(ShownUrls))]
    public void WithoutUserInfo_DropsUserAndPassword(string url, string shown)
    {
        Assert.Equal(shown, ServerUrl.WithoutUserInfo(url));
    }

    [Theory]
    [InlineData("https://10.0.0.1:6443", "https://admin:x@10.0.0.1:6443/", true)]
    [InlineData("https://K8S.example.com", "https://k8s.example.com/", true)]
    [InlineData("https://10.0.0.1:6443", "https://10.0.0.2:6443", false)]
    public void Same_IgnoresUserInfoCaseAndTrailingSlash(string a, string b, bool same)
    {
        Assert.Equal(same, ServerUrl.Same(a, b));
    }
}
