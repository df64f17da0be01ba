namespace HelmUnstick.Core.Workloads;

public sealed record WorkloadCondition(string Type, string Status, string? Reason = null, string? Message = null);

/// <summary>
/// The facts the runbook looks at in a workload's <c>.status</c>, normalised across Deployments,
/// StatefulSets and DaemonSets (for a DaemonSet, "replicas" are its desired scheduled pods).
/// </summary>
public sealed record WorkloadStatus(
    string Kind,
    string Namespace,
    string Name,
    long Generation,
    long? ObservedGeneration,
    int DesiredReplicas,
    int UpdatedReplicas,
    int AvailableReplicas,
    IReadOnlyList<WorkloadCondition> Conditions,
    bool HasAutoscaler = false);

public sealed record WorkloadHealthFinding(WorkloadStatus Workload, bool Healthy, IReadOnlyList<string> Problems, string Evidence);

/// <summary>
/// The runbook's check that the cluster is not failing for some other reason before Helm's state is touched.
/// </summary>
public static class WorkloadHealthRule
{
    public static WorkloadHealthFinding Evaluate(WorkloadStatus w)
    {
        var problems = new List<string>();

        // Only Deployments publish Available/Progressing; StatefulSets and DaemonSets are judged by counts.
        if (w.Kind == "Deployment")
        {
            foreach (var type in new[] { "Available", "Progressing" })
            {
                var c = w.Conditions.FirstOrDefault(c => c.Type == type);
                if (c is null)
                {
                    problems.Add($"condition {type} is missing");
                }
                else if (c.Status != "True")
                {
                    problems.Add($"condition {type} is {c.Status}" + (c.Reason is { Length: > 0 } r ? $" ({r})" : ""));
                }
            }
        }

        if (w.ObservedGeneration is not { } observed || observed < w.Generation)
        {
            problems.Add($"the controller has not observed generation {w.Generation} yet (observed {w.ObservedGeneration?.ToString() ?? "none"})");
        }

        var tolerance = AllowedShortfall(w);
        foreach (var (what, count) in new[] { ("updated", w.UpdatedReplicas), ("available", w.AvailableReplicas) })
        {
            // More than desired (a surge mid-rollout) is no shortfall.
            var shortfall = w.DesiredReplicas - count;
            if (shortfall > tolerance)
            {
                problems.Add($"{what} replicas {count} of {w.DesiredReplicas}" +
                             (w.HasAutoscaler ? $" (more than the 10% an HPA may explain, {tolerance})" : ""));
            }
        }

        return new(w, problems.Count == 0, problems, Evidence(w, tolerance));
    }

    /// <summary>An HPA may be mid-scale, so its target is allowed 10 % of the replicas (at least one).</summary>
    public static int AllowedShortfall(WorkloadStatus w) =>
        w.HasAutoscaler ? Math.Max(1, (int)Math.Ceiling(w.DesiredReplicas * 0.10)) : 0;

    private static string Evidence(WorkloadStatus w, int tolerance)
    {
        var parts = new List<string>
        {
            $"updated {w.UpdatedReplicas}/{w.DesiredReplicas}",
            $"available {w.AvailableReplicas}/{w.DesiredReplicas}",
            $"generation {w.ObservedGeneration?.ToString() ?? "-"}/{w.Generation}",
        };
        parts.AddRange(w.Conditions.Where(c => c.Type is "Available" or "Progressing").Select(c => $"{c.Type}={c.Status}"));
        if (w.HasAutoscaler)
        {
            parts.Add($"HPA (tolerance {tolerance})");
        }

        return string.Join(", ", parts);
    }
}
