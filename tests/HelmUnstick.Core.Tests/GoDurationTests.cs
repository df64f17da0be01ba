
namespace HelmUnstick.Core.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("90s", 90_000)]
    [InlineData("15m", 900_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m30s", 150_000)]
    [InlineData("+10s", 10_000)]
    [InlineData("1500us", 1.5)]
    public void TryParse_GoDuration_ReturnsItsLength(string text, double expectedMilliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5m")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5 m")]
    [InlineData("10d")]
    [InlineData("1h30")]
    [InlineData(".h")]
    [InlineData("soon")]
    [InlineData("1.2.3s")]
    public void TryParse_NegativeOrMalformed_IsRejected(string text)
    {
        Assert.False(GoDuration.TryParse(text, out _));
    }
}
