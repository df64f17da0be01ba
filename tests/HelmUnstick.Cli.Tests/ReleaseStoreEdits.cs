using System.IO.Compression;

namespace HelmUnstick.Cli.Tests;

/// <summary>
/// Edits to what the sandbox stores: a release payload, encoded as Helm encodes it (gzip, base64, base64 in JSON), a
/// release Secret's status label, or any live object.
/// </summary>
internal static class ReleaseStoreEdits
{
    /// <summary>
    /// Moves every release Secret to a release ConfigMap, as Helm with HELM_DRIVER=configmap stores it: the same
    /// labels, and the payload text in <c>data.release</c> with one base64 layer less.
    /// </summary>
    public static void MoveReleasesToConfigMaps(this CliHarness cli)
    {
        foreach (var secret in cli.Server.Store.List("v1", "secrets").Where(s => (string?)s["metadata"]!["labels"]?["owner"] == "helm"))
        {
            var metadata = secret["metadata"]!.AsObject();
            cli.Server.Store.Upsert("v1", "configmaps", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = (string?)metadata["name"],
                    ["namespace"] = (string?)metadata["namespace"],
                    ["creationTimestamp"] = (string?)metadata["creationTimestamp"],
                    ["labels"] = metadata["labels"]!.DeepClone(),
                },
                ["data"] = new JsonObject { ["release"] = Encoding.ASCII.GetString(Convert.FromBase64String((string)secret["data"]!["release"]!)) },
            });
            cli.Server.Store.Delete("v1", "secrets", (string)metadata["namespace"]!, (string)metadata["name"]!);
        }
    }

    public static void EditRelease(this CliHarness cli, string ns, string release, int revision, Action<JsonObject> edit)
    {
        var secret = cli.Secret(ns, $"sh.helm.release.v1.{release}.v{revision}")!;
        var payload = ReleaseCodec.DecodeApiJsonValue((string)secret["data"]!["release"]!).ToJsonObject();
        edit(payload);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(ReleaseCodec.ToGoJson(payload));
        }

        var helmPayload = Convert.ToBase64String(compressed.ToArray());
        secret["data"]!["release"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(helmPayload));
        cli.Server.Store.Upsert("v1", "secrets", secret);
    }

    /// <summary>Sets the status label of a release Secret and leaves its payload as it was, so that the two disagree.</summary>
    public static void SetStatusLabel(this CliHarness cli, string ns, string secretName, string status) =>
        cli.EditLive("v1", "secrets", ns, secretName, secret => secret["metadata"]!["labels"]!["status"] = status);

    public static void EditLive(this CliHarness cli, string groupVersion, string resource, string ns, string name, Action<JsonObject> edit)
    {
        var live = cli.Server.Store.Get(groupVersion, resource, ns, name)!;
        edit(live);
        cli.Server.Store.Upsert(groupVersion, resource, live);
    }
}
