using HelmUnstick.Sandbox.Protobuf;

namespace HelmUnstick.Sandbox.Tests;

public sealed class KubernetesProtobufTests
{
    [Fact]
    public void DecodeObject_HelmPendingInstallSecretBody_EqualsTheJsonTheApiServes()
    {
        byte[] body = File.ReadAllBytes(FixturePath("helm3.18", "secret-pending-install.protobuf"));
        var expected = JsonNode.Parse(File.ReadAllText(FixturePath("helm3.18", "secret-pending-install.json")));

        var decoded = KubernetesProtobuf.DecodeObject(body);

        Assert.True(JsonNode.DeepEquals(expected, decoded), decoded.ToJsonString());
    }

    [Fact]
    public void DecodeEnvelope_HelmSecretBody_ReportsTypeMetaAndNoContentType()
    {
        byte[] body = File.ReadAllBytes(FixturePath("helm3.18", "secret-pending-install.protobuf"));

        var unknown = KubernetesProtobuf.DecodeEnvelope(body);

        Assert.Equal(("v1", "Secret", "", ""), (unknown.ApiVersion, unknown.Kind, unknown.ContentEncoding, unknown.ContentType));
        Assert.NotEmpty(unknown.Raw);
    }

    [Fact]
    public void EncodeObject_HelmSecretJson_ReproducesHelmsBodyAfterDecoding()
    {
        byte[] body = File.ReadAllBytes(FixturePath("helm3.18", "secret-pending-install.protobuf"));
        var secret = KubernetesProtobuf.DecodeObject(body);

        var roundTripped = KubernetesProtobuf.DecodeObject(KubernetesProtobuf.EncodeObject(secret));

        Assert.True(JsonNode.DeepEquals(secret, roundTripped));
    }

    [Fact]
    public void DecodeObject_HelmsEmptyDeleteOptionsBody_IsTypeMetaOnly()
    {
        // Helm deletes release Secrets with this 31-byte protobuf body (traces: 44-uninstall-pending-install).
        byte[] body = KubernetesProtobuf.EncodeEnvelope(new KubernetesUnknown("v1", "DeleteOptions", []));

        var options = KubernetesProtobuf.DecodeObject(body);

        Assert.Equal(31, body.Length);
        Assert.Equal("""{"apiVersion":"v1","kind":"DeleteOptions"}""", options.ToJsonString());
    }

    [Fact]
    public void DecodeObject_DeleteOptionsWithEveryField_MapsToApiJson()
    {
        var raw = new ProtoWriter();
        raw.Int64(1, 30);
        raw.Message(2, preconditions =>
        {
            preconditions.String(1, "uid-1");
            preconditions.String(2, "42");
        });
        raw.Bool(3, false);
        raw.String(4, "Background");
        raw.String(5, "All");
        byte[] body = KubernetesProtobuf.EncodeEnvelope(new KubernetesUnknown("v1", "DeleteOptions", raw.ToArray()));

        var options = KubernetesProtobuf.DecodeObject(body);

        Assert.Equal(
            """{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":30,"preconditions":{"uid":"uid-1","resourceVersion":"42"},"orphanDependents":false,"propagationPolicy":"Background","dryRun":["All"]}""",
            options.ToJsonString());
    }

    public static TheoryData<string> RoundTripObjects => new()
    {
        """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"team-a","uid":"u-1","resourceVersion":"7","creationTimestamp":"2026-11-24T16:00:00Z","labels":{"owner":"helm","empty":""},"annotations":{"a":"b"},"finalizers":["f1"],"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u-2","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"helm","operation":"Update","apiVersion":"v1","time":"2026-11-24T16:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:release":{}}}}]},"data":{"release":"SDRzSQ==","empty":""},"type":"helm.sh/release.v1","immutable":true}""",
        """{"apiVersion":"v1","kind":"Secret","metadata":{"generateName":"x-","generation":3,"deletionTimestamp":"2026-11-24T16:05:00Z","deletionGracePeriodSeconds":0},"stringData":{"k":"v"}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"team-a"},"data":{"greeting":"hi"},"binaryData":{"bin":"AAEC"},"immutable":false}""",
    };

    [Theory]
    [MemberData(nameof(RoundTripObjects))]
    public void EncodeObject_ThenDecodeObject_ReturnsTheSameJson(string json)
    {
        var original = JsonNode.Parse(json)!.AsObject();

        var decoded = KubernetesProtobuf.DecodeObject(KubernetesProtobuf.EncodeObject(original));

        Assert.True(JsonNode.DeepEquals(original, decoded), decoded.ToJsonString());
    }

    [Fact]
    public void EncodeObject_SecretList_CarriesListMetaAndEveryItem()
    {
        var list = JsonNode.Parse("""{"apiVersion":"v1","kind":"SecretList","metadata":{"resourceVersion":"12"},"items":[{"metadata":{"name":"a"},"type":"Opaque"},{"metadata":{"name":"b"}}]}""")!.AsObject();

        var unknown = KubernetesProtobuf.DecodeEnvelope(KubernetesProtobuf.EncodeObject(list));
        var fields = ProtoReader.ReadFields(unknown.Raw);

        Assert.Equal(("v1", "SecretList"), (unknown.ApiVersion, unknown.Kind));
        Assert.Equal("12", ProtoReader.ReadFields(fields.Single(f => f.Number == 1).Bytes).Single(f => f.Number == 2).Text);
        var itemNames = fields.Where(f => f.Number == 2)
            .Select(item => ProtoReader.ReadFields(ProtoReader.ReadFields(item.Bytes).Single(f => f.Number == 1).Bytes).Single(f => f.Number == 1).Text);
        Assert.Equal(["a", "b"], itemNames);
    }

    [Fact]
    public void EncodeObject_Status_WritesCodeReasonAndDetails()
    {
        var status = JsonNode.Parse("""{"apiVersion":"v1","kind":"Status","metadata":{},"status":"Failure","message":"secrets \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"secrets"},"code":404}""")!.AsObject();

        var unknown = KubernetesProtobuf.DecodeEnvelope(KubernetesProtobuf.EncodeObject(status));
        var fields = ProtoReader.ReadFields(unknown.Raw);

        Assert.Equal("Status", unknown.Kind);
        Assert.Equal("Failure", fields.Single(f => f.Number == 2).Text);
        Assert.Equal("secrets \"x\" not found", fields.Single(f => f.Number == 3).Text);
        Assert.Equal("NotFound", fields.Single(f => f.Number == 4).Text);
        Assert.Equal(404, fields.Single(f => f.Number == 6).Int64);
        var details = ProtoReader.ReadFields(fields.Single(f => f.Number == 5).Bytes);
        Assert.Equal(["x", "secrets"], details.Select(f => f.Text));
    }

    [Fact]
    public void DecodeEnvelope_BodyWithoutMagic_IsRejected()
    {
        Assert.Throws<InvalidDataException>(() => KubernetesProtobuf.DecodeEnvelope("{}"u8));
    }

    private static string FixturePath(params string[] parts) => RepositoryPaths.SharedFixture(parts);
}
