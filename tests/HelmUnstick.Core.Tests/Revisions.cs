namespace HelmUnstick.Core.Tests;

/// <summary>Builds release revisions from a real Helm payload, changing only what a test is about.</summary>
internal static class Revisions
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The staleness threshold the diagnoses here use: the tool's default, written out so that a change of the default
    /// fails only the tests about the default.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(15);

    public static StoredRevision Make(
        int version,
        string status,
        TimeSpan? age = null,
        string release = "demo",
        string ns = "team-a",
        string? labelStatus = null)
    {
        var json = Fixtures.Json("helm3.18/release-no-hooks-no-values.json").AsObject();
        json["name"] = release;
        json["namespace"] = ns;
        json["version"] = version;
        json["info"]!["status"] = status;
        json["info"]!["last_deployed"] = (Now - (age ?? TimeSpan.FromDays(1))).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        var payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())));
        var labels = new Dictionary<string, string>
        {
            ["name"] = release,
            ["owner"] = "helm",
            ["status"] = labelStatus ?? status,
            ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new StoredRevision(StoredRevision.ObjectNameFor(release, version), ns, $"uid-{version}", $"{100 + version}", labels, ReleaseCodec.Decode(payload));
    }

    public static StoredRevision Corrupt(int version, string release = "demo", string ns = "team-a") =>
        new(StoredRevision.ObjectNameFor(release, version), ns, $"uid-{version}", "1",
            new Dictionary<string, string> { ["name"] = release, ["owner"] = "helm", ["status"] = "deployed", ["version"] = $"{version}" },
            null, "the release payload is not base64");

    public static ReleaseHistory History(params StoredRevision[] revisions) => new("demo", "team-a", revisions);
}
