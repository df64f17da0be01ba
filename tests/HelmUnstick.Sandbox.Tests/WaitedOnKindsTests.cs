namespace HelmUnstick.Sandbox.Tests;

/// <summary>The kinds helm --wait and hooks wait on: served, and brought to ready by the controller unless annotated never-ready.</summary>
public sealed class WaitedOnKindsTests
{
    private static Dictionary<string, string>? NeverReady(bool never) =>
        never ? new Dictionary<string, string> { ["sandbox.helm-unstick/never-ready"] = "true" } : null;

    [Theory]
    [InlineData(false, "Complete", 1)]
    [InlineData(true, null, 0)]
    public async Task Job_CompletesUnlessNeverReady(bool neverReady, string? condition, int succeeded)
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { GenerateName = "demo-migrate-", Annotations = NeverReady(neverReady) },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "m", Image = "busybox" }] } } },
        };

        var created = await sandbox.Client.BatchV1.CreateNamespacedJobAsync(job, "default");

        Assert.StartsWith("demo-migrate-", created.Metadata.Name);
        Assert.Equal(1L, created.Metadata.Generation);
        Assert.Equal(condition, created.Status.Conditions?.FirstOrDefault(c => c.Status == "True" && c.Type == "Complete")?.Type);
        Assert.Equal(succeeded, created.Status.Succeeded ?? 0);
        Assert.Equal(neverReady ? 1 : 0, created.Status.Active ?? 0);
    }

    [Fact]
    public async Task Service_GetsAClusterIpThatLaterWritesKeep_AndALoadBalancerItsIngress()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        V1Service Service(string name, string type, bool never = false) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = NeverReady(never) },
            Spec = new V1ServiceSpec { Type = type, Ports = [new V1ServicePort { Port = 80 }] },
        };

        var web = await sandbox.Client.CoreV1.CreateNamespacedServiceAsync(Service("web", "ClusterIP"), "default");
        var replaced = await sandbox.Client.CoreV1.ReplaceNamespacedServiceAsync(Service("web", "ClusterIP"), "web", "default");
        var lb = await sandbox.Client.CoreV1.CreateNamespacedServiceAsync(Service("edge", "LoadBalancer"), "default");
        var pendingLb = await sandbox.Client.CoreV1.CreateNamespacedServiceAsync(Service("stuck", "LoadBalancer", never: true), "default");

        Assert.Matches(@"^10\.96\.\d+\.\d+$", web.Spec.ClusterIP);
        Assert.Equal(web.Spec.ClusterIP, replaced.Spec.ClusterIP);
        Assert.Equal("192.0.2.10", Assert.Single(lb.Status.LoadBalancer.Ingress).Ip);
        Assert.Empty(pendingLb.Status.LoadBalancer.Ingress ?? []);
    }

    [Theory]
    [InlineData(false, "Bound")]
    [InlineData(true, "Pending")]
    public async Task PersistentVolumeClaim_IsBoundUnlessNeverReady(bool neverReady, string phase)
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var claim = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data", Annotations = NeverReady(neverReady) },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        };

        var created = await sandbox.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, "default");

        Assert.Equal(phase, created.Status.Phase);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Database_CustomResourceReportsReadyAndObservedGeneration(bool neverReady)
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var body = new JsonObject
        {
            ["apiVersion"] = "demo.helm-unstick.io/v1",
            ["kind"] = "Database",
            ["metadata"] = new JsonObject { ["name"] = "orders" },
            ["spec"] = new JsonObject { ["size"] = "small" },
        };
        if (neverReady)
        {
            body["metadata"]!["annotations"] = new JsonObject { ["sandbox.helm-unstick/never-ready"] = "true" };
        }

        var response = await sandbox.Http.PostAsync("apis/demo.helm-unstick.io/v1/namespaces/default/databases",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var discovery = JsonNode.Parse(await sandbox.Http.GetStringAsync("apis/demo.helm-unstick.io/v1"))!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal((1L, 1L), ((long)created["metadata"]!["generation"]!, (long)created["status"]!["observedGeneration"]!));
        Assert.Equal(("Ready", neverReady ? "False" : "True"), ((string)created["status"]!["conditions"]![0]!["type"]!, (string)created["status"]!["conditions"]![0]!["status"]!));
        Assert.Contains(discovery["resources"]!.AsArray(), r => (string)r!["name"]! == "databases" && (string)r["kind"]! == "Database");
    }

    [Fact]
    public async Task AUserWithoutAKind_IsForbiddenWithTheApiserversMessage()
    {
        var users = new Dictionary<string, SandboxUser>
        {
            ["no-claims"] = new("oncall", [new AccessRule(["get", "list"], ["secrets", "deployments", "configmaps"])]),
        };
        await using var sandbox = await RunningSandbox.StartAsync(new SandboxOptions { Users = users }, token: "no-claims");

        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", "default"));

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("persistentvolumeclaims \"data\" is forbidden: User \"oncall\" cannot get resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"default\"", status.Message);
    }
}
