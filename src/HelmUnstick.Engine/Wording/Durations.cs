using System.Globalization;

namespace HelmUnstick.Engine.Wording;

/// <summary>The one way durations are shown to people: compact and Go-like (<c>2d3h</c>, <c>15m</c>, <c>1.5s</c>, <c>200ms</c>).</summary>
internal static class Durations
{
    public static string Describe(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            return "-" + Describe(-t);
        }

        if (t == TimeSpan.Zero)
        {
            return "0s";
        }

        if (t < TimeSpan.FromSeconds(1))
        {
            return t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
        }

        if (t < TimeSpan.FromMinutes(1))
        {
            return t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
        }

        // Seconds stop mattering beyond ten minutes, minutes beyond a day.
        var parts = new List<string>();
        if (t.Days > 0) parts.Add(t.Days.ToString(CultureInfo.InvariantCulture) + "d");
        if (t.Hours > 0) parts.Add(t.Hours.ToString(CultureInfo.InvariantCulture) + "h");
        if (t.Minutes > 0 && t.Days == 0) parts.Add(t.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        if (t.TotalMinutes < 10 && t.Seconds > 0) parts.Add(t.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        return string.Concat(parts);
    }
}
