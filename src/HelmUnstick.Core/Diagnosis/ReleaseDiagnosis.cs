using HelmUnstick.Core.Releases;

namespace HelmUnstick.Core.Diagnosis;

/// <summary>What state a release is in, as far as Helm's next operation is concerned.</summary>
public enum ReleaseState
{
    /// <summary>No revision Secret exists.</summary>
    Absent,

    /// <summary>The newest revision is not pending: Helm's next upgrade may proceed.</summary>
    Settled,

    /// <summary>The newest revision is pending-*: Helm refuses with "another operation is in progress".</summary>
    Stuck,

    /// <summary>The newest revision's payload cannot be read, so nobody (Helm included) can tell.</summary>
    Unreadable,
}

/// <summary>What a note on a release history is about.</summary>
public enum AnomalyKind
{
    /// <summary>Something stored is inconsistent: a label disagreeing with its payload, an unreadable payload.</summary>
    Inconsistency,

    /// <summary>The history has one of the odd shapes killed helm processes leave; each is explained with what Helm will do.</summary>
    Shape,
}

public sealed record ReleaseAnomaly(string ObjectName, string Message, AnomalyKind Kind = AnomalyKind.Inconsistency);

public sealed record ReleaseDiagnosis(
    string Release,
    string Namespace,
    ReleaseState State,
    StoredRevision? Latest,
    TimeSpan? PendingAge,
    bool IsStale,
    IReadOnlyList<ReleaseAnomaly> Anomalies)
{
    /// <summary>The stuck revision, when <see cref="State"/> is <see cref="ReleaseState.Stuck"/>.</summary>
    public StoredRevision? StuckRevision => State == ReleaseState.Stuck ? Latest : null;
}

/// <summary>
/// Decides whether a release is stuck the way Helm does: by the highest revision's body, not its labels.
/// </summary>
public static class StuckReleaseRule
{
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(15);

    public static ReleaseDiagnosis Diagnose(ReleaseHistory history, DateTimeOffset now, TimeSpan staleAfter)
    {
        var anomalies = new List<ReleaseAnomaly>();
        foreach (var r in history.Revisions)
        {
            if (r.Release is null)
            {
                anomalies.Add(new(r.ObjectName, $"payload cannot be decoded: {r.DecodeError}"));
            }
            else
            {
                if (r.LabelStatus is { } label && label != r.Release.StatusText)
                {
                    anomalies.Add(new(r.ObjectName,
                        $"status label says '{label}' but the payload says '{r.Release.StatusText}' (Helm goes by the payload, except when it looks for the deployed revision)"));
                }

                var labelVersion = r.Labels.GetValueOrDefault("version");
                if (labelVersion != r.Release.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    || !r.ObjectName.EndsWith($".v{r.Release.Version}", StringComparison.Ordinal))
                {
                    anomalies.Add(new(r.ObjectName,
                        $"payload version {r.Release.Version} does not match the version label '{labelVersion}' or the Secret's name"));
                }
            }
        }

        var deployed = history.Revisions.Where(r => r.Release is not null && r.LabelStatus == "deployed").ToList();
        if (deployed.Count > 1)
        {
            anomalies.Add(new(deployed[^1].ObjectName,
                $"{deployed.Count} revisions are marked deployed ({string.Join(", ", deployed.Select(d => d.Revision))})"));
        }

        anomalies.AddRange(ReleaseShapes.Explain(history));
        var latest = history.Latest;
        if (latest is null)
        {
            return new(history.Release, history.Namespace, ReleaseState.Absent, null, null, false, anomalies);
        }

        if (latest.Release is null)
        {
            return new(history.Release, history.Namespace, ReleaseState.Unreadable, latest, null, false, anomalies);
        }

        if (!latest.Status.IsPending())
        {
            return new(history.Release, history.Namespace, ReleaseState.Settled, latest, null, false, anomalies);
        }

        // The timestamp labels are unreliable (Helm copies stale modifiedAt values), so age comes from the body.
        var age = latest.Release.LastDeployed is { } t ? now - t : (TimeSpan?)null;
        var stale = age is { } a && a >= staleAfter;
        return new(history.Release, history.Namespace, ReleaseState.Stuck, latest, age, stale, anomalies);
    }
}
