using System.Text.RegularExpressions;

namespace HelmUnstick.Conformance.Tests;

/// <summary>deploy/chart with real Helm 3 and 4: lint, template (RBAC follows the policy) and install onto the sandbox.</summary>
public sealed partial class ChartTests(SandboxCluster cluster) : IClassFixture<SandboxCluster>
{
    private static readonly string Chart = Path.Combine(RepositoryPaths.Root, "deploy", "chart");

    private const string FixingPolicy = """policy={"rules":[{"namespaces":["*-cny"],"action":"fix","strategy":"mark-failed"},{"namespaces":["canary-*"],"action":"fix"}],"limits":{"maxFixesPerHour":5}}""";

    [Theory]
    [EachToolset]
    public async Task Lint_PassesWithDefaultsAndWithEveryOptionOn(string helm)
    {
        await cluster.HelmSucceedsAsync(helm, "lint", Chart, "--strict");
        await cluster.HelmSucceedsAsync(helm, "lint", Chart, "--strict", "--set-json", FixingPolicy,
            "--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true", "--set", "watchNamespace=apps", "--set", "ci.tokenSecret=gitlab");
    }

    [Theory]
    [EachToolset]
    public async Task Template_WithoutAPolicy_GrantsOnlyReadsOfSecrets_AndRunsTwoHardenedReplicas(string helm)
    {
        var template = await cluster.HelmSucceedsAsync(helm, "template", "hu", Chart, "-n", "ops");

        Assert.Equal(["get, list, watch"], SecretVerbs(template.Out));
        Assert.DoesNotContain("resources: [events]", template.Out);
        Assert.Equal(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"], Kinds(template.Out));
        Assert.Equal(
            ["--all-namespaces", "--metrics-address=0.0.0.0:9090", "--backup-dir=/var/lib/helm-unstick/backups", "--lease-namespace=ops", "--lease-name=hu-helm-unstick", "--resync=30s"],
            ServeOptions(template.Out));

        // Hardened: two replicas, probes, a read-only root filesystem and no root user.
        Assert.Contains("replicas: 2", template.Out);
        Assert.Contains("readOnlyRootFilesystem: true", template.Out);
        Assert.Contains("runAsNonRoot: true", template.Out);
        Assert.Contains("path: /healthz", template.Out);
        Assert.Contains("path: /readyz", template.Out);
    }

    [Theory]
    [EachToolset]
    public async Task Template_WithAFixingPolicy_GrantsTheWritesItsStrategiesNeed_AndShipsThePolicy(string helm)
    {
        var template = await cluster.HelmSucceedsAsync(helm, "template", "hu", Chart, "-n", "ops", "--set-json", FixingPolicy,
            "--set", "prometheusRule.enabled=true", "--set", "serviceMonitor.enabled=true", "--set", "watchNamespace=apps");

        Assert.Equal(["get, list, watch, delete, update"], SecretVerbs(template.Out));
        Assert.Contains("resources: [events]", template.Out);
        Assert.Equal(["ServiceAccount", "ConfigMap", "ClusterRole", "Role", "RoleBinding", "RoleBinding", "Service", "Deployment", "PrometheusRule", "ServiceMonitor"], Kinds(template.Out));
        Assert.Equal(
            ["--namespace=apps", "--metrics-address=0.0.0.0:9090", "--backup-dir=/var/lib/helm-unstick/backups", "--lease-namespace=ops", "--lease-name=hu-helm-unstick", "--resync=30s", "--policy=/etc/helm-unstick/policy.yaml"],
            ServeOptions(template.Out));
        Assert.Contains("kind: RoleBinding\nmetadata:\n  name: hu-helm-unstick\n  namespace: apps", template.Out);
        Assert.Contains("maxFixesPerHour: 5", template.Out);

        Assert.Equal(["HelmReleaseStuck", "HelmUnstickRemediationFailed"], Alerts(template.Out));
        Assert.Contains("for: 15m", template.Out);
        Assert.Contains("helm_unstick_remediations_total{outcome=\"failed\"}", template.Out);
    }

    [Theory]
    [EachToolset]
    public async Task Install_OntoTheSandbox_CreatesEveryObject(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-chart");

        await cluster.HelmSucceedsAsync(helm, "install", "hu", Chart, "-n", ns, "--set-json", FixingPolicy);
        var upgrade = await cluster.HelmSucceedsAsync(helm, "upgrade", "hu", Chart, "-n", ns, "--set", "replicaCount=3");

        Assert.Contains("STATUS: deployed", upgrade.Out);
        var store = cluster.Server.Store;
        Assert.Equal(3, (long)store.Get("apps/v1", "deployments", ns, "hu-helm-unstick")!["spec"]!["replicas"]!);
        Assert.NotNull(store.Get("v1", "serviceaccounts", ns, "hu-helm-unstick"));
        Assert.NotNull(store.Get("v1", "services", ns, "hu-helm-unstick"));
        Assert.NotNull(store.Get("rbac.authorization.k8s.io/v1", "clusterroles", null, "hu-helm-unstick"));
        Assert.NotNull(store.Get("rbac.authorization.k8s.io/v1", "clusterrolebindings", null, "hu-helm-unstick"));
        Assert.NotNull(store.Get("rbac.authorization.k8s.io/v1", "roles", ns, "hu-helm-unstick-lease"));
        Assert.NotNull(store.Get("rbac.authorization.k8s.io/v1", "rolebindings", ns, "hu-helm-unstick-lease"));

        // The upgrade dropped the policy: the ConfigMap is gone and the ClusterRole reads only.
        Assert.Null(store.Get("v1", "configmaps", ns, "hu-helm-unstick"));
        var secretRule = store.Get("rbac.authorization.k8s.io/v1", "clusterroles", null, "hu-helm-unstick")!["rules"]![0]!;
        Assert.Equal("[\"get\",\"list\",\"watch\"]", secretRule["verbs"]!.ToJsonString());
        await cluster.HelmSucceedsAsync(helm, "uninstall", "hu", "-n", ns);
    }

    private static IReadOnlyList<string> SecretVerbs(string manifests) => Captured(SecretRule(), manifests);

    /// <summary>The kind of each rendered object, in the order helm renders them.</summary>
    private static IReadOnlyList<string> Kinds(string manifests) => Captured(TopLevelKind(), manifests);

    /// <summary>The options the chart passes to <c>helm-unstick serve</c>.</summary>
    private static IReadOnlyList<string> ServeOptions(string manifests) => Captured(ContainerOption(), manifests);

    private static IReadOnlyList<string> Alerts(string manifests) => Captured(AlertRule(), manifests);

    private static IReadOnlyList<string> Captured(Regex pattern, string manifests) =>
        pattern.Matches(manifests).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"resources: \[secrets\]\n\s+verbs: \[([^\]]*)\]")]
    private static partial Regex SecretRule();

    [GeneratedRegex(@"(?m)^kind: (\w+)$")]
    private static partial Regex TopLevelKind();

    [GeneratedRegex(@"(?m)^\s+- (--\S+)$")]
    private static partial Regex ContainerOption();

    [GeneratedRegex(@"(?m)^\s+- alert: (\w+)$")]
    private static partial Regex AlertRule();
}
