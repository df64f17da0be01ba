using System.Globalization;

namespace HelmUnstick.Core;

/// <summary>Parses durations the way Go's <c>time.ParseDuration</c> writes them (<c>90s</c>, <c>1h30m</c>, <c>1.5h</c>, <c>500ms</c>).</summary>
public static class GoDuration
{
    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", 0.01),
        ("us", 10),
        ("µs", 10),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    /// <summary>Accepts non-negative durations only; a negative wait or staleness has no meaning here.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var rest = text.AsSpan();
        if (rest[0] == '+')
        {
            rest = rest[1..];
        }

        if (rest is "0")
        {
            return true;
        }

        double ticks = 0;
        bool any = false;
        while (!rest.IsEmpty)
        {
            int numberLength = 0;
            while (numberLength < rest.Length && (char.IsAsciiDigit(rest[numberLength]) || rest[numberLength] == '.'))
            {
                numberLength++;
            }

            var number = rest[..numberLength];
            if (number.IsEmpty || number is "." ||
                !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            {
                return false;
            }

            rest = rest[numberLength..];
            var unit = LongestUnitAtStart(rest);
            if (unit.Unit is null)
            {
                return false;
            }

            rest = rest[unit.Unit.Length..];
            ticks += amount * unit.Ticks;
            any = true;
        }

        if (!any || ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }

    private static (string Unit, double Ticks) LongestUnitAtStart(ReadOnlySpan<char> text)
    {
        (string Unit, double Ticks) best = default;
        foreach (var unit in Units)
        {
            if (text.StartsWith(unit.Unit, StringComparison.Ordinal) && (best.Unit is null || unit.Unit.Length > best.Unit.Length))
            {
                best = unit;
            }
        }

        return best;
    }
}
