namespace HelmUnstick.Core.Tests.Releases;

/// <summary>One generated change to a backup document, and the part a refusal must name.</summary>
internal sealed record BackupMutation(string Field, string Description);

/// <summary>
/// Generates edits an attacker or a careless hand could make to a real backup of release <c>demo</c>, revision 4, in
/// namespace <c>team-a</c>: every value generated differs from the real one, so every edit must be refused.
/// </summary>
internal static class BackupMutations
{
    private static readonly string[] Kinds = ["Deployment", "Role", "ClusterRoleBinding", "ServiceAccount", "secret", "Secrets", "configmap"];
    private static readonly string[] ApiVersions = ["v2", "apps/v1", "v1beta1", "rbac.authorization.k8s.io/v1", "V1", ""];
    private static readonly string[] SecretTypes =
        ["Opaque", "kubernetes.io/dockerconfigjson", "kubernetes.io/service-account-token", "kubernetes.io/tls", "helm.sh/release.v2", ""];
    private static readonly string[] BadNames =
    [
        "registry-creds", "sh.helm.release.v1.demo", "sh.helm.release.v1.demo.v04", "sh.helm.release.v1.demo.v0", "sh.helm.release.v2.demo.v4",
        "sh.helm.release.v1.Demo.v4", "sh.helm.release.v1.demo.v4x", "sh.helm.release.v1..v4", "sh.helm.release.v1.demo.v-4",
        "sh.helm.release.v1.demo.v99999999999", "sh.helm.release.v1.demo.v4\n", "sh.helm.release.v1.demo/../x.v4",
    ];
    private static readonly string[] BadNamespaces = ["kube-system/..", "x/../team-a", "Team-A", "team_a", "", "ns?x=1", "-a", "a-", new('a', 64), "team-a\n"];

    public static BackupMutation ApplyOne(JsonObject doc, StorageDriver driver, Random random)
    {
        var metadata = doc["metadata"]!.AsObject();
        var labels = metadata["labels"]!.AsObject();
        switch (random.Next(19))
        {
            case 0:
                var kind = Pick(random, [.. Kinds, RandomWord(random)]);
                doc["kind"] = kind;
                return new("kind", $"kind {kind}");
            case 1:
                var other = driver == StorageDriver.Secret ? "ConfigMap" : "Secret";
                doc["kind"] = other;
                return new("type", $"kind {other} of the other driver");
            case 2:
                var apiVersion = Pick(random, [.. ApiVersions, RandomWord(random) + "/v1"]);
                doc["apiVersion"] = apiVersion;
                return new("apiVersion", $"apiVersion {apiVersion}");
            case 3 when driver == StorageDriver.Secret && random.Next(4) == 0:
                doc.Remove("type");
                return new("type", "no type");
            case 3:
                var type = Pick(random, [.. SecretTypes, RandomWord(random)]);
                doc["type"] = type;
                return new("type", $"type {type}");
            case 4:
                var badName = Pick(random, [.. BadNames, RandomWord(random)]);
                metadata["name"] = badName;
                return new("metadata.name", $"name {badName}");
            case 5:
                var release = OtherRelease(random);
                metadata["name"] = ReleaseBackup.ObjectName(release, 4);
                return new("metadata.labels.name", $"renamed to release {release} in the name only");
            case 6:
                var revision = OtherRevision(random);
                metadata["name"] = ReleaseBackup.ObjectName("demo", revision);
                return new("metadata.labels.version", $"renamed to revision {revision} in the name only");
            case 7:
                var renamed = OtherRelease(random);
                metadata["name"] = ReleaseBackup.ObjectName(renamed, 4);
                labels["name"] = renamed;
                return new("data.release.name", $"renamed to release {renamed} in the name and label, not the payload");
            case 8:
                var renumbered = OtherRevision(random);
                metadata["name"] = ReleaseBackup.ObjectName("demo", renumbered);
                labels["version"] = renumbered.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new("data.release.version", $"renumbered to {renumbered} in the name and label, not the payload");
            case 9:
                var ns = Pick(random, ["kube-system", "default", "gitlab-cny", "team-b", RandomWord(random) + "-ns"]);
                metadata["namespace"] = ns;
                return new("data.release.namespace", $"moved to namespace {ns}");
            case 10:
                var badNs = Pick(random, BadNamespaces);
                metadata["namespace"] = badNs;
                return new("metadata.namespace", $"namespace '{badNs}'");
            case 11:
                return MutateLabel(labels, "owner", "helm", random);
            case 12:
                return MutateLabel(labels, "name", "demo", random);
            case 13:
                return MutateLabel(labels, "version", "4", random);
            case 14:
                var key = Pick(random, [".dockerconfigjson", "token", "ca.crt", "tls.key", "release2", RandomWord(random)]);
                doc["data"]![key] = driver == StorageDriver.Secret ? Convert.ToBase64String("x"u8) : "x";
                return new($"data.{key}", $"extra data key {key}");
            case 15:
                doc["data"]!.AsObject().Remove("release");
                return new("data.release", "no data.release");
            case 16:
                doc["data"]!["release"] = Convert.ToBase64String(RandomBytes(random));
                return new("data.release", "a payload that is not a Helm release");
            case 17:
                var field = Pick(random, ["name", "namespace", "version"]);
                EditPayload(doc, driver, payload => payload[field] = field == "version" ? OtherRevision(random) : RandomWord(random) + "-x");
                return new($"data.release.{field}", $"payload {field} changed");
            default:
                var extraField = driver == StorageDriver.Secret ? "stringData" : "binaryData";
                doc[extraField] = new JsonObject { ["token"] = "eA==" };
                return new(extraField, $"{extraField} added");
        }
    }

    private static BackupMutation MutateLabel(JsonObject labels, string label, string real, Random random)
    {
        if (random.Next(4) == 0)
        {
            labels.Remove(label);
            return new($"metadata.labels.{label}", $"label {label} removed");
        }

        var value = Pick(random, [RandomWord(random), real.ToUpperInvariant() + "x", "", real + " "]);
        labels[label] = value;
        return new($"metadata.labels.{label}", $"label {label}={value}");
    }

    private static void EditPayload(JsonObject doc, StorageDriver driver, Action<JsonObject> edit)
    {
        if ((string?)doc["data"]!["release"] is not { } stored || Record.Exception(() => ReleaseCodec.DecodeStoredValue(stored, driver)) is not null)
        {
            // An earlier mutation already destroyed the payload.
            return;
        }

        var payload = ReleaseCodec.DecodeStoredValue(stored, driver).ToJsonObject();
        edit(payload);
        doc["data"]!["release"] = ReleaseCodec.EncodeStoredValue(new HelmRelease(payload), driver);
    }

    private static string OtherRelease(Random random) => Pick(random, ["other", "gitlab-cny", "example", "demo2", "demo.v4", RandomWord(random)]);

    private static int OtherRevision(Random random) => Pick(random, [1, 3, 5, 40, random.Next(6, 100_000)]);

    /// <summary>Lowercase letters, at least 3, so never "demo", "helm" or a real value by chance.</summary>
    private static string RandomWord(Random random) =>
        "q" + new string(Enumerable.Range(0, random.Next(2, 12)).Select(_ => (char)('a' + random.Next(26))).ToArray());

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, T[] choices) => choices[random.Next(choices.Length)];
}
