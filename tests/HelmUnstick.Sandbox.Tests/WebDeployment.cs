namespace HelmUnstick.Sandbox.Tests;

/// <summary>The Deployment default/web the sandbox's controller tests create, update and patch.</summary>
internal static class WebDeployment
{
    /// <summary>Deployment web with <paramref name="replicas"/>, and a status claiming <paramref name="readyReplicas"/> when given.</summary>
    public static V1Deployment With(int replicas, int? readyReplicas = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } } },
        },
        Status = readyReplicas is null ? null : new V1DeploymentStatus { ReadyReplicas = readyReplicas },
    };
}
