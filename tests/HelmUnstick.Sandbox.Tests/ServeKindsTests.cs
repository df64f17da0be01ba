using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace HelmUnstick.Sandbox.Tests;

/// <summary>The kinds serve and its chart use: Leases (leader election), Events, ServiceAccounts, Services and RBAC.</summary>
public sealed class ServeKindsTests
{
    [Fact]
    public async Task Lease_UpdateWithAStaleResourceVersion_Returns409Conflict()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var created = await sandbox.Client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "helm-unstick" }, Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15 } },
            "default");
        created.Spec.HolderIdentity = "b";
        await sandbox.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "helm-unstick", "default");

        created.Spec.HolderIdentity = "c";
        var (code, status) = await RunningSandbox.FailureOf(() => sandbox.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "helm-unstick", "default"));

        Assert.Equal((HttpStatusCode.Conflict, "Conflict"), (code, status.Reason));
        var stored = await sandbox.Client.CoordinationV1.ReadNamespacedLeaseAsync("helm-unstick", "default");
        Assert.Equal("b", stored.Spec.HolderIdentity);
    }

    [Fact]
    public async Task LeaderElector_TwoCandidates_OnlyOneLeads()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        using var first = new LeaderElector(new LeaderElectionConfig(new LeaseLock(sandbox.Client, "default", "lock", "first")));
        using var second = new LeaderElector(new LeaderElectionConfig(new LeaseLock(sandbox.Client, "default", "lock", "second")));
        var firstLeads = new TaskCompletionSource();
        var secondSawFirst = new TaskCompletionSource();
        first.OnStartedLeading += () => firstLeads.TrySetResult();
        second.OnNewLeader += holder => { if (holder == "first") { secondSawFirst.TrySetResult(); } };
        using var stop = new CancellationTokenSource();

        // The second candidate starts once the first leads, so which one wins is not a race.
        var firstRunning = first.RunUntilLeadershipLostAsync(stop.Token);
        await firstLeads.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var secondRunning = second.RunUntilLeadershipLostAsync(stop.Token);
        await secondSawFirst.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var observed = await sandbox.Client.CoordinationV1.ReadNamespacedLeaseAsync("lock", "default");
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(firstRunning, secondRunning));

        Assert.Equal(("first", false), (observed.Spec.HolderIdentity, second.IsLeader()));
    }

    [Fact]
    public async Task Event_CreatedInANamespace_IsListedWithItsInvolvedObject()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        await sandbox.Client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = "sh.helm.release.v1.web.v2.stuck" },
                InvolvedObject = new V1ObjectReference { Kind = "Secret", NamespaceProperty = "default", Name = "sh.helm.release.v1.web.v2" },
                Reason = "ReleaseStuck",
                Type = "Warning",
                Message = "stuck",
            },
            "default");

        var events = await sandbox.Client.CoreV1.ListNamespacedEventAsync("default");

        var e = Assert.Single(events.Items);
        Assert.Equal(("ReleaseStuck", "Secret", "sh.helm.release.v1.web.v2"), (e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name));
    }

    [Fact]
    public async Task RbacAndServiceAccounts_CreateAndRead()
    {
        await using var sandbox = await RunningSandbox.StartAsync();
        var client = sandbox.Client;

        await client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "watcher" } }, "default");
        await client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = "metrics" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 9090 }] } }, "default");
        await client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "watch-secrets" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = ["list", "watch"] }],
        });
        await client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "watch-secrets" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "watch-secrets" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "watcher", NamespaceProperty = "default" }],
        });
        await client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "lease" } }, "default");
        await client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "lease" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "lease" },
        }, "default");

        var role = await client.RbacAuthorizationV1.ReadClusterRoleAsync("watch-secrets");
        var binding = await client.RbacAuthorizationV1.ReadClusterRoleBindingAsync("watch-secrets");
        Assert.Equal(["list", "watch"], role.Rules.Single().Verbs);
        Assert.Equal("watcher", binding.Subjects.Single().Name);
        Assert.Equal(9090, (await client.CoreV1.ReadNamespacedServiceAsync("metrics", "default")).Spec.Ports.Single().Port);
        Assert.Single((await client.CoreV1.ListNamespacedServiceAccountAsync("default")).Items);
        Assert.Single((await client.RbacAuthorizationV1.ListNamespacedRoleBindingAsync("default")).Items);
    }
}
