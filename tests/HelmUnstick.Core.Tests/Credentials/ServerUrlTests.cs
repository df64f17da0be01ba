using HelmUnstick.Core.Credentials;

namespace HelmUnstick.Core.Tests.Credentials;

public sealed class ServerUrlTests
{
    [Theory]
    [InlineData("http://admin:PASSWORD@host:8080", "http://host:8080")]
    [InlineData("https://admin:p%40ss@10.0.0.1:6443/", "https://10.0.0.1:6443")]
    [InlineData("https://token@k8s.example.com/api/prefix", "https://k8s.example.com/api/prefix")]
    [InlineData("https://10.0.0.1:6443", "https://10.0.0.1:6443")]
    [InlineData("user:secret@host:6443", "host:6443")]
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
