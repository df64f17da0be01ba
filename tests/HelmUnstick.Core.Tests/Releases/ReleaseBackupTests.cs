namespace HelmUnstick.Core.Tests.Releases;

/// <summary>
/// A backup is restored only when it is exactly what <c>fix</c> saves: a Helm release object whose kind, type, name,
/// labels, namespace and payload agree. Mutations of a real backup (the stuck revision of the Helm 3.18 store, with
/// the source annotations <c>fix</c> adds) must all be refused, naming the part that does not match.
/// </summary>
public sealed class ReleaseBackupTests
{
    private const string Server = "https://10.0.0.1:6443";

    [Fact]
    public void RealBackup_IsAccepted_WithWhatRestoreWrites()
    {
        var backup = ReleaseBackup.Parse(Bytes(RealBackup()));

        Assert.Equal(
            (StorageDriver.Secret, "team-a", "sh.helm.release.v1.demo.v4", "demo", 4, new BackupOrigin(Server, "prod")),
            (backup.Driver, backup.Namespace, backup.Name, backup.Release, backup.Revision, backup.Origin));
        Assert.Equal(StuckSecret()["metadata"]!["labels"]!.AsObject().ToDictionary(l => l.Key, l => (string)l.Value!), backup.Labels);
        Assert.Empty(backup.Annotations);
        Assert.Equal(Convert.FromBase64String((string)StuckSecret()["data"]!["release"]!), backup.Payload);
        Assert.Equal(BackupOriginMatch.Same, backup.MatchOrigin("https://admin:hunter2@10.0.0.1:6443/"));
        Assert.Equal(BackupOriginMatch.Other, backup.MatchOrigin("https://10.0.0.2:6443"));
    }

    [Fact]
    public void RealBackupOfTheConfigMapDriver_IsAccepted()
    {
        var backup = ReleaseBackup.Parse(Bytes(AsConfigMap(RealBackup())));

        Assert.Equal((StorageDriver.ConfigMap, "demo", 4), (backup.Driver, backup.Release, backup.Revision));
        Assert.Equal(Convert.FromBase64String((string)StuckSecret()["data"]!["release"]!), backup.Payload);
    }

    [Fact]
    public void BackupWithoutItsSourceAnnotation_IsAcceptedButItsOriginIsUnknown()
    {
        var doc = RealBackup();
        doc["metadata"]!["annotations"]!.AsObject().Remove(ReleaseBackup.SourceServerAnnotation);

        Assert.Equal(BackupOriginMatch.Unknown, ReleaseBackup.Parse(Bytes(doc)).MatchOrigin(Server));
    }

    [Theory]
    [InlineData("""[{"kind":"Secret"}]""", "", "it holds a JSON array, not a Secret or ConfigMap object")]
    [InlineData("\"Secret\"", "", "it holds a JSON string, not a Secret or ConfigMap object")]
    [InlineData("""{"kind":"Secret","apiVersion":"v1","metadata":[]}""", "metadata", "it has no metadata object")]
    [InlineData("""{"apiVersion":"v1"}""", "kind", "it has no kind")]
    [InlineData("""{"kind":7}""", "kind", "kind is not a string")]
    public void DocumentOfTheWrongShape_IsNotABackup(string json, string field, string message)
    {
        var refused = Assert.Throws<BackupRejectedException>(() => ReleaseBackup.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal((BackupProblem.NotABackup, field, message), (refused.Problem, refused.Field, refused.Message));
    }

    [Fact]
    public void NotJson_IsNotABackup()
    {
        var refused = Assert.Throws<BackupRejectedException>(() => ReleaseBackup.Parse(new byte[] { 0x1f, 0x8b, 0, 0xff }));

        Assert.Equal(BackupProblem.NotABackup, refused.Problem);
        Assert.StartsWith("it is not JSON", refused.Message);
    }

    /// <summary>
    /// The attacks the restore command was open to, each refused with the field that gives it away. Each edit is what
    /// was changed by hand: a JSON merge patch of the real backup.
    /// </summary>
    [Theory]
    [InlineData("""{"metadata":{"name":"registry-creds","namespace":"kube-system"}}""", "metadata.name")]
    [InlineData("""{"type":"kubernetes.io/dockerconfigjson"}""", "type")]
    [InlineData("""{"type":"kubernetes.io/service-account-token","metadata":{"annotations":{"kubernetes.io/service-account.name":"default"}}}""", "type")]
    [InlineData("""{"type":"Opaque"}""", "type")]
    [InlineData("""{"metadata":{"name":"sh.helm.release.v1.other.v4","labels":{"name":"other"}}}""", "data.release.name")]
    [InlineData("""{"metadata":{"namespace":"kube-system"}}""", "data.release.namespace")]
    [InlineData("""{"data":{".dockerconfigjson":"e30="}}""", "data..dockerconfigjson")]
    [InlineData("""{"stringData":{"token":"x"}}""", "stringData")]
    public void HandEditedBackup_IsRefused_NamingTheField(string edit, string field)
    {
        var doc = RealBackup();
        MergePatch(doc, JsonNode.Parse(edit)!.AsObject());

        var refused = Assert.Throws<BackupRejectedException>(() => ReleaseBackup.Parse(Bytes(doc)));

        Assert.Equal((BackupProblem.NotAReleaseObject, field), (refused.Problem, refused.Field));
    }

    /// <summary>
    /// Property: any one generated mutation of a real backup's kind, apiVersion, type, name, namespace, labels, data or
    /// payload (a value that differs from the real one) is refused, naming that part. 2,000 mutations, fixed seeds.
    /// </summary>
    [Theory]
    [InlineData(StorageDriver.Secret, 1)]
    [InlineData(StorageDriver.Secret, 2)]
    [InlineData(StorageDriver.ConfigMap, 3)]
    [InlineData(StorageDriver.ConfigMap, 4)]
    public void EveryGeneratedMutation_IsRefused_NamingTheMutatedPart(StorageDriver driver, int seed)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            var doc = driver == StorageDriver.ConfigMap ? AsConfigMap(RealBackup()) : RealBackup();
            var mutation = BackupMutations.ApplyOne(doc, driver, random);
            try
            {
                ReleaseBackup.Parse(Bytes(doc));
                failures.Add($"accepted: {mutation.Description}");
            }
            catch (BackupRejectedException e) when (e.Field != mutation.Field)
            {
                failures.Add($"{mutation.Description}: refused naming {e.Field} ({e.Message}), expected {mutation.Field}");
            }
            catch (BackupRejectedException)
            {
                // Refused, naming the part that was changed.
            }
        }

        Assert.Empty(failures);
    }

    /// <summary>Property: several mutations at once are refused as well (whichever part is named first).</summary>
    [Theory]
    [InlineData(StorageDriver.Secret, 5)]
    [InlineData(StorageDriver.ConfigMap, 6)]
    public void SeveralGeneratedMutations_AreRefused(StorageDriver driver, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            var doc = driver == StorageDriver.ConfigMap ? AsConfigMap(RealBackup()) : RealBackup();
            var applied = Enumerable.Range(0, random.Next(2, 5)).Select(_ => BackupMutations.ApplyOne(doc, driver, random).Description).ToList();

            var refused = Record.Exception(() => ReleaseBackup.Parse(Bytes(doc)));

            Assert.True(refused is BackupRejectedException, $"accepted: {string.Join("; ", applied)}");
        }
    }

    /// <summary>The stuck revision's Secret as the API served it.</summary>
    internal static JsonObject StuckSecret() =>
        Fixtures.Json("helm3.18/cluster-with-stuck-upgrade.json").AsArray()
            .Select(e => e!["obj"]!.AsObject())
            .Single(o => (string?)o["kind"] == "Secret" && (string?)o["metadata"]!["name"] == "sh.helm.release.v1.demo.v4")
            .DeepClone().AsObject();

    /// <summary>What <c>fix</c> writes before it changes the stuck revision: the Secret and where it came from.</summary>
    internal static JsonObject RealBackup()
    {
        var secret = StuckSecret();
        secret["metadata"]!["annotations"] = new JsonObject
        {
            [ReleaseBackup.SourceServerAnnotation] = Server,
            [ReleaseBackup.SourceContextAnnotation] = "prod",
        };
        return secret;
    }

    /// <summary>The same backup as the ConfigMap driver stores it: no type, Helm's payload text as the data value.</summary>
    internal static JsonObject AsConfigMap(JsonObject secret)
    {
        secret["kind"] = "ConfigMap";
        secret.Remove("type");
        secret["data"]!["release"] = Encoding.ASCII.GetString(Convert.FromBase64String((string)secret["data"]!["release"]!));
        return secret;
    }

    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> as a JSON merge patch (RFC 7396) that removes nothing.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                MergePatch(existing, inner);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    internal static byte[] Bytes(JsonNode doc) => Encoding.UTF8.GetBytes(doc.ToJsonString());
}
