using HelmUnstick.Engine.Wording;

namespace HelmUnstick.Cli.Tests.Rendering;

public sealed class DurationsTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(200, "200ms")]
    [InlineData(1_500, "1.5s")]
    [InlineData(42_000, "42s")]
    [InlineData(270_000, "4m30s")]
    [InlineData(900_000, "15m")]
    [InlineData(754_000, "12m")]
    [InlineData(183_600_000, "2d3h")]
    [InlineData(-90_000, "-1m30s")]
    public void Describe_IsCompactAndGoLike(long milliseconds, string expected)
    {
        Assert.Equal(expected, Durations.Describe(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
