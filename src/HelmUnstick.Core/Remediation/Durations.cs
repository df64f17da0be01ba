using System.Globalization;

namespace HelmUnstick.Core.Remediation;

public static class Durations
{
    /// <summary>A compact, Go-like rendering of a duration for humans: <c>2d3h</c>, <c>15m</c>, <c>42s</c>.</summary>
    public static string Describe(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            return "-" + Describe(-t);
        }

        var parts = new List<string>();
        if (t.Days > 0) parts.Add(t.Days.ToString(CultureInfo.InvariantCulture) + "d");
        if (t.Hours > 0) parts.Add(t.Hours.ToString(CultureInfo.InvariantCulture) + "h");
        if (t.Minutes > 0 && t.Days == 0) parts.Add(t.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        if (t.TotalMinutes < 10 && t.Seconds > 0) parts.Add(t.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        return parts.Count == 0 ? "0s" : string.Concat(parts);
    }
}
