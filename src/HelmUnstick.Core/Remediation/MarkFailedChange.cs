using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Remediation;

/// <summary>
/// The new payload and labels for the mark-failed strategy. Body and label change together: Helm's upgrade
/// reads the body, but rollback and upgrade's search for the deployed revision read the label.
/// </summary>
public sealed record MarkFailedChange(byte[] Payload, IReadOnlyDictionary<string, string> Labels, string Description)
{
    public static MarkFailedChange Build(StoredRevision target, string? reason, DateTimeOffset now)
    {
        if (target.Release is null)
        {
            throw new ReleasePayloadException($"Secret {target.ObjectName} has an unreadable payload and cannot be marked failed");
        }

        var was = target.Release.StatusText;
        var description = $"Marked failed by helm-unstick at {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (was {was})" +
                          (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}");
        var release = target.Release.WithStatus(ReleaseStatus.Failed, description);
        var labels = new Dictionary<string, string>(target.Labels)
        {
            ["status"] = ReleaseStatus.Failed.ToHelmName(),
            ["modifiedAt"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new(ReleaseCodec.Encode(release), labels, description);
    }
}
