using System.IO.Compression;

namespace HelmUnstick.Core.Tests.Releases;

public sealed class ReleaseCodecTests
{
    [Theory]
    [InlineData("helm3.18/secret-deployed-with-hooks.json", "helm3.18/release-deployed-with-hooks.json")]
    [InlineData("helm3.18/secret-pending-install.json", "helm3.18/release-pending-install.json")]
    public void DecodeApiJsonValue_OfRealSecret_EqualsHelmsDecodedPayload(string secret, string payload)
    {
        var release = ReleaseCodec.DecodeApiJsonValue((string)Fixtures.Json(secret)["data"]!["release"]!);

        Assert.True(JsonNode.DeepEquals(Fixtures.Json(payload), release.ToJsonObject()));
    }

    [Fact]
    public void Decode_RealSecret_ExposesHelmFields()
    {
        var release = ReleaseCodec.DecodeApiJsonValue((string)Fixtures.Json("helm3.18/secret-deployed-with-hooks.json")["data"]!["release"]!);

        Assert.Equal(("example", "team-b", 1, ReleaseStatus.Deployed), (release.Name, release.Namespace, release.Version, release.Status));
        Assert.Equal(("demohook", "0.1.0", "1.0.0"), (release.ChartName, release.ChartVersion, release.AppVersion));
        Assert.Equal("example install for docs", release.Description);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 23, 50, 11, TimeSpan.Zero), release.LastDeployed!.Value.AddTicks(-(release.LastDeployed.Value.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(1, release.HookCount);
        Assert.NotNull(release.Config);
    }

    [Theory]
    [InlineData("helm3.18/secret-deployed-with-hooks.json")]
    [InlineData("helm3.18/secret-pending-install.json")]
    public void ToGoJson_OfDecodedRealPayload_IsByteIdenticalToWhatHelmWrote(string secret)
    {
        var helmPayload = Convert.FromBase64String((string)Fixtures.Json(secret)["data"]!["release"]!);
        var helmJson = Gunzip(Convert.FromBase64String(Encoding.ASCII.GetString(helmPayload)));

        var ours = ReleaseCodec.ToGoJson(ReleaseCodec.Decode(helmPayload).ToJsonObject());

        Assert.Equal(Encoding.UTF8.GetString(helmJson), Encoding.UTF8.GetString(ours));
    }

    [Theory]
    [InlineData("helm3.18/release-deployed-with-hooks.json")]
    [InlineData("helm3.18/release-no-hooks-no-values.json")]
    [InlineData("helm4.1/release-after-rollback.json")]
    public void Encode_ThenDecode_KeepsEveryField(string payload)
    {
        var original = Fixtures.Json(payload).AsObject();
        var release = ReleaseCodec.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(original.ToJsonString()))));

        var encoded = ReleaseCodec.Encode(release);

        var bytes = Convert.FromBase64String(Encoding.ASCII.GetString(encoded));
        Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08 }, bytes[..3]);
        Assert.True(JsonNode.DeepEquals(original, ReleaseCodec.Decode(encoded).ToJsonObject()));
    }

    [Fact]
    public void Encode_Helm4Payload_KeepsFieldsThisToolDoesNotKnow()
    {
        var release = ReleaseCodec.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(File.ReadAllBytes(Fixtures.PathOf("helm4.1/release-after-rollback.json")))));

        var failed = ReleaseCodec.Decode(ReleaseCodec.Encode(release.WithStatus(ReleaseStatus.Failed, "why"))).ToJsonObject();

        Assert.Equal("ssa", (string?)failed["apply_method"]);
        Assert.NotNull(failed["chart"]!["modtime"]);
        Assert.Equal("failed", (string?)failed["info"]!["status"]);
        Assert.Equal("why", (string?)failed["info"]!["description"]);
    }

    [Fact]
    public void Decode_PlainJsonWithoutGzip_IsReadAsHelmDoes()
    {
        var json = File.ReadAllBytes(Fixtures.PathOf("helm3.18/release-no-hooks-no-values.json"));

        var release = ReleaseCodec.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(json)));

        Assert.Equal("demo", release.ChartName);
        Assert.Null(release.Config);
        Assert.Equal(0, release.HookCount);
    }

    [Theory]
    [InlineData("not base64 at all!", "not base64")]
    [InlineData("H4sIAAAA", "not valid gzip")]
    [InlineData("eyJuYW1lIjo=", "not valid JSON")]
    [InlineData("WzEsMl0=", "not a JSON object")]
    [InlineData("eyJhIjoxLCJhIjoyfQ==", "not valid JSON")] // {"a":1,"a":2}: Go would take the last, .NET refuses
    [InlineData("eyJuYW1lIjoieFx1ZDgwMCJ9", "not valid JSON")] // {"name":"x\ud800"}: a lone surrogate
    [InlineData("eyJu YW1lIjoieCJ9", "not base64")] // Go's decoder rejects the space
    public void Decode_CorruptPayload_SaysWhatIsWrong(string payload, string expected)
    {
        var e = Assert.Throws<ReleasePayloadException>(() => ReleaseCodec.Decode(Encoding.ASCII.GetBytes(payload)));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Decode_GzipWithoutItsTrailer_IsRejectedAsGoWouldRejectIt()
    {
        var helmPayload = Convert.FromBase64String((string)Fixtures.Json("helm3.18/secret-deployed-with-hooks.json")["data"]!["release"]!);
        var gz = Convert.FromBase64String(Encoding.ASCII.GetString(helmPayload));
        var truncated = Encoding.ASCII.GetBytes(Convert.ToBase64String(gz[..^8]));

        var e = Assert.Throws<ReleasePayloadException>(() => ReleaseCodec.Decode(truncated));

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void DecodeApiJsonValue_WithOneBase64LayerMissing_IsRejected()
    {
        // Helm's own base64 text placed directly in the API's JSON: one layer short.
        var apiValue = (string)Fixtures.Json("helm3.18/secret-deployed-with-hooks.json")["data"]!["release"]!;
        var helmText = Encoding.ASCII.GetString(Convert.FromBase64String(apiValue));
        var gz = Convert.FromBase64String(helmText);

        Assert.Throws<ReleasePayloadException>(() => ReleaseCodec.DecodeApiJsonValue(Convert.ToBase64String(gz)));
    }

    [Theory]
    [MemberData(nameof(HelmStatuses.All), MemberType = typeof(HelmStatuses))]
    public void StatusNames_RoundTripAllNineHelmStatuses(string name, ReleaseStatus status)
    {
        Assert.True(ReleaseStatusNames.TryParse(name, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(name, status.ToHelmName());
        Assert.Equal(name.StartsWith("pending-", StringComparison.Ordinal), status.IsPending());
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }
}

public sealed class ConfigMapDriverCodecTests
{
    /// <summary>Helm's ConfigMap driver stores the same text its Secret driver stores, without Kubernetes' extra base64 layer.</summary>
    private static string ConfigMapValueOf(string secret) =>
        Encoding.ASCII.GetString(Convert.FromBase64String((string)Fixtures.Json(secret)["data"]!["release"]!));

    [Theory]
    [InlineData("helm3.18/secret-deployed-with-hooks.json", "helm3.18/release-deployed-with-hooks.json")]
    [InlineData("helm3.18/secret-pending-install.json", "helm3.18/release-pending-install.json")]
    public void DecodeStoredValue_ConfigMap_IsOneBase64LayerOverGzip(string secret, string payload)
    {
        var release = ReleaseCodec.DecodeStoredValue(ConfigMapValueOf(secret), StorageDriver.ConfigMap);

        Assert.True(JsonNode.DeepEquals(Fixtures.Json(payload), release.ToJsonObject()));
    }

    [Theory]
    [InlineData("helm3.18/secret-deployed-with-hooks.json")]
    [InlineData("helm3.18/secret-pending-install.json")]
    public void EncodeStoredValue_RoundTripsByteExactly_ForBothDrivers(string secret)
    {
        var value = ConfigMapValueOf(secret);
        var release = ReleaseCodec.DecodeStoredValue(value, StorageDriver.ConfigMap);
        var helmJson = Gunzip(Convert.FromBase64String(value));

        var asConfigMap = ReleaseCodec.EncodeStoredValue(release, StorageDriver.ConfigMap);
        var asSecret = ReleaseCodec.EncodeStoredValue(release, StorageDriver.Secret);

        Assert.Equal(Encoding.UTF8.GetString(helmJson), Encoding.UTF8.GetString(Gunzip(Convert.FromBase64String(asConfigMap))));
        Assert.Equal(asConfigMap, Encoding.ASCII.GetString(Convert.FromBase64String(asSecret)));
        Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08 }, Convert.FromBase64String(asConfigMap)[..3]);
        Assert.True(JsonNode.DeepEquals(release.ToJsonObject(), ReleaseCodec.DecodeStoredValue(asSecret, StorageDriver.Secret).ToJsonObject()));
    }

    [Fact]
    public void DecodeStoredValue_SecretValueReadAsConfigMap_IsRefused()
    {
        var secretValue = (string)Fixtures.Json("helm3.18/secret-deployed-with-hooks.json")["data"]!["release"]!;

        var error = Assert.Throws<ReleasePayloadException>(() => ReleaseCodec.DecodeStoredValue(secretValue, StorageDriver.ConfigMap));

        Assert.StartsWith("the release payload is not valid JSON", error.Message);
    }

    [Theory]
    [InlineData(null, StorageDriver.Secret, true)]
    [InlineData("", StorageDriver.Secret, true)]
    [InlineData("secrets", StorageDriver.Secret, true)]
    [InlineData("configmap", StorageDriver.ConfigMap, true)]
    [InlineData("configmaps", StorageDriver.ConfigMap, true)]
    [InlineData("sql", StorageDriver.Secret, false)]
    [InlineData("memory", StorageDriver.Secret, false)]
    public void StorageDriver_ParsesWhatHelmDriverAccepts(string? name, StorageDriver expected, bool known)
    {
        Assert.Equal((known, expected), (StorageDrivers.TryParse(name, out var driver), driver));
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
