namespace HelmUnstick.Core.Liveness;

/// <summary>Whether a helm process may still own a stuck release, judged from the cluster.</summary>
public enum LivenessVerdict
{
    /// <summary>No sign of a live helm: safe to unstick.</summary>
    Stale,

    /// <summary>A check could not complete (forbidden, kind not served, API error): never a pass.</summary>
    Unknown,

    /// <summary>At least one sign that a helm is still at work.</summary>
    PossiblyRunning,
}

public static class LivenessVerdictNames
{
    /// <summary>The name shown in tables and JSON: <c>stale</c>, <c>possibly-running</c>, <c>unknown</c>.</summary>
    public static string ToName(this LivenessVerdict verdict) => verdict switch
    {
        LivenessVerdict.Stale => "stale",
        LivenessVerdict.PossiblyRunning => "possibly-running",
        _ => "unknown",
    };
}
