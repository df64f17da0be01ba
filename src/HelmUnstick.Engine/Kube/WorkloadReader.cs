using HelmUnstick.Core.Workloads;
using k8s;

namespace HelmUnstick.Engine.Kube;

/// <summary>Reads the workloads of a namespace into the facts the runbook's health check looks at.</summary>
internal sealed class WorkloadReader(ClusterSession session)
{
    public async Task<IReadOnlyList<WorkloadStatus>> ReadAsync(string ns, CancellationToken ct)
    {
        // The four lists are independent: read together, they cost one round trip.
        var client = session.Client;
        var hpasRead = client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, cancellationToken: ct);
        var deploymentsRead = client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct);
        var statefulSetsRead = client.AppsV1.ListNamespacedStatefulSetAsync(ns, cancellationToken: ct);
        var daemonSetsRead = client.AppsV1.ListNamespacedDaemonSetAsync(ns, cancellationToken: ct);
        var scaled = (await hpasRead).Items
            .Select(h => (h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name))
            .ToHashSet();
        var deployments = await deploymentsRead;
        var statefulSets = await statefulSetsRead;
        var daemonSets = await daemonSetsRead;

        var result = new List<WorkloadStatus>();
        result.AddRange(deployments.Items.Select(d => new WorkloadStatus(
            "Deployment", ns, d.Metadata.Name, d.Metadata.Generation ?? 0, d.Status?.ObservedGeneration,
            d.Spec.Replicas ?? 1, d.Status?.UpdatedReplicas ?? 0, d.Status?.AvailableReplicas ?? 0,
            (d.Status?.Conditions ?? []).Select(c => new WorkloadCondition(c.Type, c.Status, c.Reason, c.Message)).ToList(),
            scaled.Contains(("Deployment", d.Metadata.Name)))));
        result.AddRange(statefulSets.Items.Select(s => new WorkloadStatus(
            "StatefulSet", ns, s.Metadata.Name, s.Metadata.Generation ?? 0, s.Status?.ObservedGeneration,
            s.Spec.Replicas ?? 1, s.Status?.UpdatedReplicas ?? 0, s.Status?.AvailableReplicas ?? 0,
            (s.Status?.Conditions ?? []).Select(c => new WorkloadCondition(c.Type, c.Status, c.Reason, c.Message)).ToList(),
            scaled.Contains(("StatefulSet", s.Metadata.Name)))));
        result.AddRange(daemonSets.Items.Select(d => new WorkloadStatus(
            "DaemonSet", ns, d.Metadata.Name, d.Metadata.Generation ?? 0, d.Status?.ObservedGeneration,
            d.Status?.DesiredNumberScheduled ?? 0, d.Status?.UpdatedNumberScheduled ?? 0, d.Status?.NumberAvailable ?? 0,
            (d.Status?.Conditions ?? []).Select(c => new WorkloadCondition(c.Type, c.Status, c.Reason, c.Message)).ToList())));
        return result.OrderBy(w => w.Kind, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal).ToList();
    }
}
