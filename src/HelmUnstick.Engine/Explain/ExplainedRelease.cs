using System.Text.Json.Nodes;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Explain;
using HelmUnstick.Core.Releases;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Engine.Unstick;

namespace HelmUnstick.Engine.Explain;

/// <summary>
/// Revision N (the stuck one, or the one asked for), the revision Helm diffs from next (null for a first install),
/// and what the cluster runs of each. The diff keeps both payloads in memory, so the live state can be checked
/// again after N's Secret is gone.
/// </summary>
internal sealed record ExplainedRelease(
    string Release,
    string Namespace,
    StoredRevision Stuck,
    StoredRevision? Previous,
    RevisionDiff Diff,
    ReleaseExplanation Explanation)
{
    /// <summary>
    /// N defaults to the newest revision (the stuck one when anything is stuck). N-1 is what Helm diffs from once N
    /// is out of the way: the newest deployed revision other than N, else the newest readable one before N.
    /// </summary>
    public static (StoredRevision Stuck, StoredRevision? Previous) ChooseRevisions(ReleaseHistory history, int? revision)
    {
        var stuck = revision is { } wanted
            ? history.Revisions.LastOrDefault(r => r.Revision == wanted)
              ?? throw new EngineException(UnstickFailure.InvalidRequest,
                  $"release {history.Release} in namespace {history.Namespace} has no revision {wanted} (revisions: {string.Join(", ", history.Revisions.Select(r => r.Revision))})")
            : history.Latest!;
        if (stuck.Release is null)
        {
            throw new EngineException(UnstickFailure.ClusterError,
                $"Secret {stuck.Namespace}/{stuck.ObjectName} (revision {stuck.Revision}): payload cannot be decoded ({stuck.DecodeError}); nothing to explain");
        }

        var rest = history.Without(stuck);
        var previous = rest.LatestDeployed
                       ?? rest.Revisions.LastOrDefault(r => r.Revision < stuck.Revision && r.Release is not null);
        return (stuck, previous);
    }

    public static async Task<ExplainedRelease> ReadAsync(
        LiveObjectReader reader, ReleaseHistory history, StoredRevision stuck, StoredRevision? previous, bool showValues, CancellationToken ct)
    {
        var stuckSnapshot = Snapshot(stuck.Revision, stuck.Release!);

        // A first install has nothing before it: an empty revision 0 makes every object "added", compared with N alone.
        var previousSnapshot = previous?.Release is { } earlier
            ? Snapshot(previous.Revision, earlier)
            : new RevisionSnapshot(0, stuckSnapshot.ChartName, stuckSnapshot.ChartVersion, stuckSnapshot.AppVersion, null, "");
        RevisionDiff diff;
        try
        {
            diff = RevisionDiffCalculator.Compute(stuckSnapshot, previousSnapshot, history.Namespace);
        }
        catch (FormatException e)
        {
            throw new EngineException(UnstickFailure.ClusterError, $"the manifests of revisions {previousSnapshot.Revision} and {stuck.Revision} cannot be compared: {e.Message}");
        }

        var live = await reader.ReadAsync(diff.Resources, ct);
        return new ExplainedRelease(history.Release, history.Namespace, stuck, previous, diff, ReleaseExplainer.Explain(diff, live, showValues));
    }

    /// <summary>
    /// The diff and live state of a plan's stuck revision, as advice before a fix: what cannot be read is a message,
    /// never a failure of the fix.
    /// </summary>
    public static async Task<ExplanationRead> AdviseAsync(ClusterSession session, RemediationPlan plan, bool showValues, IProgress<string> status, CancellationToken ct)
    {
        try
        {
            var (stuck, previous) = ChooseRevisions(plan.History, plan.Target!.Revision);
            return new(await ReadAsync(Reader(session, status), plan.History, stuck, previous, showValues, ct), null);
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            return new(null, e.Message);
        }
    }

    /// <summary>The same two revisions against what the cluster runs after the change; what cannot be read is a message.</summary>
    public async Task<ExplanationRead> AfterChangeAsync(ClusterSession session, CancellationToken ct)
    {
        try
        {
            return new(await RereadAsync(new LiveObjectReader(session), ct), null);
        }
        catch (Exception e)
        {
            return new(null, e.Message);
        }
    }

    /// <summary>A reader that tells <paramref name="status"/> how far it got, for a progress line.</summary>
    public static LiveObjectReader Reader(ClusterSession session, IProgress<string> status) =>
        new(session, (read, total) => status.Report($"Reading the release's objects from the cluster: {read} of {total}"));

    /// <summary>The same two revisions against what the cluster runs now.</summary>
    public async Task<ExplainedRelease> RereadAsync(LiveObjectReader reader, CancellationToken ct)
    {
        var live = await reader.ReadAsync(Diff.Resources, ct);
        return this with { Explanation = ReleaseExplainer.Explain(Diff, live, Explanation.ValuesShown) };
    }

    public int StuckRevision => Stuck.Revision;

    /// <summary>One line saying which two revisions are compared and why.</summary>
    public string Heading => Previous is { } previous
        ? $"Release {Release} in namespace {Namespace}: revision {Stuck.Revision} ({Stuck.Release!.StatusText}) compared with revision {previous.Revision} ({previous.Release!.StatusText}), the revision Helm diffs from next"
        : $"Release {Release} in namespace {Namespace}: revision {Stuck.Revision} ({Stuck.Release!.StatusText}) has no previous revision (a first install), so there is nothing Helm diffs from; the cluster is compared with revision {Stuck.Revision} alone";

    /// <summary>The explanation's JSON with the release named; <c>previousRevision</c> is null for a first install.</summary>
    public JsonObject ToJsonObject()
    {
        var json = new JsonObject
        {
            ["release"] = Release,
            ["namespace"] = Namespace,
            ["stuckStatus"] = Stuck.Release!.StatusText,
            ["previousStatus"] = Previous?.Release?.StatusText,
        };
        foreach (var (key, value) in Explanation.ToJsonObject())
        {
            json[key] = value?.DeepClone();
        }

        if (Previous is null)
        {
            json["previousRevision"] = null;
        }

        return json;
    }

    private static RevisionSnapshot Snapshot(int revision, HelmRelease release) =>
        new(revision, release.ChartName, release.ChartVersion, release.AppVersion, release.Config?.DeepClone().AsObject(), release.Manifest);
}

/// <summary>An explanation read as advice: the explanation, or why it could not be read.</summary>
internal sealed record ExplanationRead(ExplainedRelease? Explained, string? Error);
