using HelmUnstick.Engine.Safety;

namespace HelmUnstick.Cli.Tests.Safety;

public sealed class RedactorTests
{
    [Theory]
    [InlineData("cannot reach the API server https://admin:s3cret@k8s.example.com:6443 (context prod)", "cannot reach the API server https://k8s.example.com:6443 (context prod)")]
    [InlineData("Bad server host URL `http://a:b@host` (cannot be relative path)", "Bad server host URL `http://host` (cannot be relative path)")]
    [InlineData("proxy http://token@10.0.0.1/x and https://u:p%40ss@h:1/", "proxy http://10.0.0.1/x and https://h:1/")]
    [InlineData("mail oncall@example.com about https://example.com/a@b", "mail oncall@example.com about https://example.com/a@b")]
    public void UserInfoOfEveryUrl_IsRemoved(string text, string redacted) =>
        Assert.Equal(redacted, new Redactor().Redact(text));

    [Fact]
    public void RememberedCredentials_AreMasked_LongestFirst_ShortOnesNot()
    {
        var redactor = new Redactor();
        redactor.Add("tok-123456");
        redactor.Add("tok-123456-refresh");
        redactor.Add("pw");
        redactor.Add(null);

        Assert.Equal("Bearer [redacted], refresh [redacted], pw stays", redactor.Redact("Bearer tok-123456, refresh tok-123456-refresh, pw stays"));
    }

    [Fact]
    public void Writer_MasksEachLine_EvenWhenACredentialArrivesInPieces()
    {
        var redactor = new Redactor();
        var inner = new StringWriter();
        var writer = redactor.Writer(inner);
        redactor.Add("tok-123456");

        writer.Write("error: token tok-");
        writer.Write("123456 was refused");
        writer.WriteLine();
        writer.WriteLine("warning: https://a:b@h");

        Assert.Equal("error: token [redacted] was refused\nwarning: https://h\n", inner.ToString().ReplaceLineEndings("\n"));
    }
}
