namespace HelmUnstick.Sandbox.Tests;

public sealed class StatusSubresourceTests
{
    [Fact]
    public async Task CreateAndUpdate_IgnoreStatusInBodyAndTheControllerRollsOut()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var created = await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(WebDeployment.With(2, readyReplicas: 99), "default");
        var updated = await sandbox.Client.AppsV1.ReplaceNamespacedDeploymentAsync(WebDeployment.With(3, readyReplicas: 99), "web", "default");

        Assert.Equal((2, 1L), (created.Status.ReadyReplicas, created.Status.ObservedGeneration));
        Assert.Equal((3, 3, 2L), (updated.Status.ReadyReplicas, updated.Spec.Replicas, updated.Status.ObservedGeneration));
        Assert.Contains(updated.Status.Conditions, c => c.Type == "Available" && c.Status == "True");
    }

    [Fact]
    public async Task NeverReadyAnnotation_KeepsTheDeploymentUnavailable()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var deployment = WebDeployment.With(2);
        deployment.Metadata.Annotations = new Dictionary<string, string> { ["sandbox.helm-unstick/never-ready"] = "true" };

        var created = await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default");

        Assert.Equal(0, created.Status.AvailableReplicas ?? 0);
        Assert.Contains(created.Status.Conditions, c => c.Type == "Available" && c.Status == "False" && c.Reason == "MinimumReplicasUnavailable");
    }

    [Fact]
    public async Task StatusUpdate_ChangesOnlyStatus()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await sandbox.Client.AppsV1.CreateNamespacedDeploymentAsync(WebDeployment.With(2), "default");

        var updated = await sandbox.Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(WebDeployment.With(5, readyReplicas: 2), "web", "default");
        var read = await sandbox.Client.AppsV1.ReadNamespacedDeploymentStatusAsync("web", "default");

        Assert.Equal(2, updated.Status.ReadyReplicas);
        Assert.Equal(2, updated.Spec.Replicas);
        Assert.Equal(2, read.Status.ReadyReplicas);
        Assert.Equal(1, read.Metadata.Generation);
    }

    [Fact]
    public async Task StatusOfASecret_IsNotFoundAsSecretsHaveNoStatusSubresource()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "default");

        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(sandbox.Server.BaseAddress, "api/v1/namespaces/default/secrets/s/status"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task CreateNamespace_ThenCreateInIt_Succeeds()
    {
        await using var sandbox = await RunningSandbox.StartAsync();

        var ns = await sandbox.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-z" } });
        var secret = await sandbox.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, "team-z");

        Assert.Equal("Active", ns.Status.Phase);
        Assert.Equal("team-z", ns.Metadata.Labels["kubernetes.io/metadata.name"]);
        Assert.Equal("team-z", secret.Metadata.NamespaceProperty);
    }
}
