using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Backups;

/// <summary>
/// A backup kept as a Secret in the cluster (<c>--backup-store secret</c>): it lives as long as the cluster's own
/// data and is encrypted at rest like the release Secret it copies. Its data key <see cref="DataKey"/> holds exactly
/// the document a backup file holds.
/// </summary>
public static class BackupSecret
{
    public const string Type = "helm-unstick.io/backup.v1";

    public const string DataKey = "backup.json";

    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public const string ManagedBy = "helm-unstick";

    /// <summary>The release's name, namespace, revision and storage driver (the backup Secret may live elsewhere).</summary>
    public const string ReleaseLabel = "helm-unstick.io/release";

    public const string NamespaceLabel = "helm-unstick.io/namespace";

    public const string RevisionLabel = "helm-unstick.io/revision";

    public const string DriverLabel = "helm-unstick.io/driver";

    /// <summary>When the backup was taken, to the millisecond (the name has whole seconds only).</summary>
    public const string TakenAnnotation = "helm-unstick.io/taken";

    /// <summary>What <c>restore</c> takes instead of a file: <c>secret://NAMESPACE/NAME</c>.</summary>
    public const string UriScheme = "secret://";

    /// <summary>A Secret's name is a DNS subdomain of at most 253 characters.</summary>
    public const int MaxNameLength = 253;

    private const string Prefix = "helm-unstick-backup.";

    /// <summary>
    /// <c>helm-unstick-backup.RELEASE.vREVISION.yyyymmddthhmmssz</c> (the UTC time with a lower-case t and z: a Secret's
    /// name is a lower-case DNS subdomain, and the API server refuses upper case). A release name too long for that (Helm allows
    /// 53 characters, but storage written by other tools may not) is cut and followed by a hash of the whole name,
    /// so two long names never share backups.
    /// </summary>
    public static string Name(string release, int revision, DateTimeOffset taken)
    {
        var suffix = string.Create(CultureInfo.InvariantCulture, $".v{revision}.{taken.UtcDateTime:yyyyMMdd't'HHmmss'z'}");
        var room = MaxNameLength - Prefix.Length - suffix.Length;
        if (release.Length > room)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(release)))[..10];
            release = $"{release[..(room - hash.Length - 1)].TrimEnd('.', '-')}-{hash}";
        }

        return Prefix + release + suffix;
    }

    public static IReadOnlyDictionary<string, string> Labels(string release, string ns, int revision, StorageDriver driver) => new Dictionary<string, string>
    {
        [ManagedByLabel] = ManagedBy,
        [ReleaseLabel] = release,
        [NamespaceLabel] = ns,
        [RevisionLabel] = revision.ToString(CultureInfo.InvariantCulture),
        [DriverLabel] = driver.ToName(),
    };

    /// <summary>The label selector of every backup, or of one release's (a release is its namespace and name).</summary>
    public static string Selector(string? release = null, string? ns = null) =>
        string.Join(",", new[]
        {
            $"{ManagedByLabel}={ManagedBy}",
            release is null ? null : $"{ReleaseLabel}={release}",
            ns is null ? null : $"{NamespaceLabel}={ns}",
        }.Where(s => s is not null));

    public static string Uri(string ns, string name) => $"{UriScheme}{ns}/{name}";

    /// <summary>The namespace and name in <c>secret://NAMESPACE/NAME</c>; false when the text is not of that form.</summary>
    public static bool TryParseUri(string text, out string ns, out string name)
    {
        ns = name = "";
        if (!text.StartsWith(UriScheme, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[UriScheme.Length..].Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return false;
        }

        (ns, name) = (parts[0], parts[1]);
        return true;
    }
}
