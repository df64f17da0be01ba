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

    /// <summary>What the ClusterRole grants besides the release Secrets, with or without a policy: Events and the reads of the verdict and checks.</summary>
    private static readonly string[] SeeingRules =
    [
        "/events: create",
        "/pods,services,persistentvolumeclaims,configmaps,serviceaccounts,namespaces: get,list",
        "apps/deployments,statefulsets,daemonsets,replicasets: get,list",
        "batch/jobs,cronjobs: get,list",
        "autoscaling/horizontalpodautoscalers: get,list",
        "networking.k8s.io/ingresses,networkpolicies: get,list",
        "policy/poddisruptionbudgets: get,list",
        "apiextensions.k8s.io/customresourcedefinitions: get,list",
    ];

    [Theory]
    [EachToolset]
    public async Task Template_WithoutAPolicy_SeesWhatTheVerdictReads_WritesNoSecret_AndRunsTwoHardenedReplicas(string helm)
    {
        var template = await cluster.HelmSucceedsAsync(helm, "template", "hu", Chart, "-n", "ops");

        Assert.Equal(["/secrets: get,list,watch", .. SeeingRules], Rules(template.Out, "ClusterRole", "hu-helm-unstick"));
        Assert.Equal(["coordination.k8s.io/leases: create", "coordination.k8s.io/leases[hu-helm-unstick]: get,update"], Rules(template.Out, "Role", "hu-helm-unstick-lease"));
        Assert.Equal(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"], Kinds(template.Out));
        Assert.Equal(
            ["--all-namespaces", "--metrics-address=0.0.0.0:9090", "--backup-store=secret", "--backup-namespace=ops", "--backup-keep=20", "--lease-namespace=ops", "--lease-name=hu-helm-unstick", "--resync=30s"],
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
    public async Task Template_WithAFixingPolicy_GrantsTheWritesItsStrategiesNeed_ARoleForTheBackupSecrets_AndShipsThePolicy(string helm)
    {
        var template = await cluster.HelmSucceedsAsync(helm, "template", "hu", Chart, "-n", "ops", "--set-json", FixingPolicy,
            "--set", "prometheusRule.enabled=true", "--set", "serviceMonitor.enabled=true", "--set", "watchNamespace=apps",
            "--set", "backups.namespace=helm-unstick-backups", "--set", "backups.keep=5");

        Assert.Equal(["/secrets: get,list,watch,delete,update", .. SeeingRules], Rules(template.Out, "ClusterRole", "hu-helm-unstick"));
        Assert.Equal(["/secrets: get,list,create,delete"], Rules(template.Out, "Role", "hu-helm-unstick-backups"));
        Assert.Contains("kind: RoleBinding\nmetadata:\n  name: hu-helm-unstick-backups\n  namespace: helm-unstick-backups", template.Out);
        Assert.Equal(["ServiceAccount", "ConfigMap", "ClusterRole", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "Service", "Deployment", "PrometheusRule", "ServiceMonitor"], Kinds(template.Out));
        Assert.Equal(
            ["--namespace=apps", "--metrics-address=0.0.0.0:9090", "--backup-store=secret", "--backup-namespace=helm-unstick-backups", "--backup-keep=5", "--lease-namespace=ops", "--lease-name=hu-helm-unstick", "--resync=30s", "--policy=/etc/helm-unstick/policy.yaml"],
            ServeOptions(template.Out));
        Assert.Contains("kind: RoleBinding\nmetadata:\n  name: hu-helm-unstick\n  namespace: apps", template.Out);
        Assert.Contains("maxFixesPerHour: 5", template.Out);

        // Stuck releases page on the verdict: stale after stuckFor, unknown after the longer unknownFor, possibly-running never.
        Assert.Equal(
        [
            ("HelmReleaseStuck", "max by (namespace, release, revision, status, verdict) (helm_unstick_release_stuck{verdict=\"stale\"}) == 1", "15m"),
            ("HelmReleaseStuck", "max by (namespace, release, revision, status, verdict) (helm_unstick_release_stuck{verdict=\"unknown\"}) == 1", "1h"),
            ("HelmUnstickRemediationFailed", "sum by (namespace, release, strategy) (increase(helm_unstick_remediations_total{outcome=\"failed\"}[15m])) > 0", ""),
        ], Alerts(template.Out));
        Assert.DoesNotContain(Alerts(template.Out), alert => alert.Item2.Contains("possibly-running", StringComparison.Ordinal));
    }

    [Theory]
    [EachToolset]
    public async Task Template_ExtraReadKinds_AreGrantedGetAndList_AndFileBackupsNeedNoRole(string helm)
    {
        var template = await cluster.HelmSucceedsAsync(helm, "template", "hu", Chart, "-n", "ops", "--set-json", FixingPolicy,
            "--set-json", """rbac.extraReadKinds=[{"apiGroups":["monitoring.coreos.com"],"resources":["servicemonitors","prometheusrules"]}]""",
            "--set", "backups.store=file");

        Assert.Equal(["/secrets: get,list,watch,delete,update", .. SeeingRules, "monitoring.coreos.com/servicemonitors,prometheusrules: get,list"],
            Rules(template.Out, "ClusterRole", "hu-helm-unstick"));
        Assert.Empty(Rules(template.Out, "Role", "hu-helm-unstick-backups"));
        Assert.Equal(
            ["--all-namespaces", "--metrics-address=0.0.0.0:9090", "--backup-store=file", "--backup-dir=/var/lib/helm-unstick/backups", "--backup-keep=20", "--lease-namespace=ops", "--lease-name=hu-helm-unstick", "--resync=30s", "--policy=/etc/helm-unstick/policy.yaml"],
            ServeOptions(template.Out));

        var wrongStore = await cluster.HelmAsync(helm, "template", "hu", Chart, "--set", "backups.store=pvc");
        Assert.Contains("backups.store must be secret or file, not \"pvc\"", wrongStore.Err);
    }

    [Theory]
    [EachToolset]
    public async Task Install_OntoTheSandbox_CreatesEveryObject(string helm)
    {
        var ns = cluster.NewNamespace($"{helm}-chart");

        await cluster.HelmSucceedsAsync(helm, "install", "hu", Chart, "-n", ns, "--set-json", FixingPolicy);
        Assert.NotNull(cluster.Server.Store.Get("rbac.authorization.k8s.io/v1", "roles", ns, "hu-helm-unstick-backups"));
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

        // The upgrade dropped the policy: the ConfigMap and the backups' Role are gone, and the ClusterRole reads Secrets only.
        Assert.Null(store.Get("v1", "configmaps", ns, "hu-helm-unstick"));
        Assert.Null(store.Get("rbac.authorization.k8s.io/v1", "roles", ns, "hu-helm-unstick-backups"));
        var secretRule = store.Get("rbac.authorization.k8s.io/v1", "clusterroles", null, "hu-helm-unstick")!["rules"]![0]!;
        Assert.Equal("[\"get\",\"list\",\"watch\"]", secretRule["verbs"]!.ToJsonString());
        await cluster.HelmSucceedsAsync(helm, "uninstall", "hu", "-n", ns);
    }

    /// <summary>
    /// The rules of one rendered RBAC object, each as <c>group/resources[resourceNames]: verbs</c>, in order; empty
    /// when the object is not rendered.
    /// </summary>
    private static IReadOnlyList<string> Rules(string manifests, string kind, string name)
    {
        var document = manifests.Split("\n---").FirstOrDefault(d => d.Contains($"\nkind: {kind}\nmetadata:\n  name: {name}\n"));
        return document is null ? [] : RbacRule().Matches(document).Select(m =>
            $"{List(m.Groups[1].Value)}/{List(m.Groups[2].Value)}{(m.Groups[3].Success ? $"[{List(m.Groups[3].Value)}]" : "")}: {List(m.Groups[4].Value)}").ToList();

        static string List(string flow) => string.Join(",", flow.Split(',').Select(item => item.Trim().Trim('"')));
    }

    /// <summary>The kind of each rendered object, in the order helm renders them.</summary>
    private static IReadOnlyList<string> Kinds(string manifests) => Captured(TopLevelKind(), manifests);

    /// <summary>The options the chart passes to <c>helm-unstick serve</c>.</summary>
    private static IReadOnlyList<string> ServeOptions(string manifests) => Captured(ContainerOption(), manifests);

    /// <summary>Each alert of the PrometheusRule: its name, expression and <c>for:</c> (empty when it has none).</summary>
    private static IReadOnlyList<(string Alert, string Expr, string For)> Alerts(string manifests) =>
        AlertRule().Matches(manifests).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    private static IReadOnlyList<string> Captured(Regex pattern, string manifests) =>
        pattern.Matches(manifests).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"- apiGroups: \[([^\]]*)\]\n\s+resources: \[([^\]]*)\]\n(?:\s+resourceNames: \[([^\]]*)\]\n)?\s+verbs: \[([^\]]*)\]")]
    private static partial Regex RbacRule();

    [GeneratedRegex(@"(?m)^kind: (\w+)$")]
    private static partial Regex TopLevelKind();

    [GeneratedRegex(@"(?m)^\s+- (--\S+)$")]
    private static partial Regex ContainerOption();

    [GeneratedRegex(@"(?m)^\s+- alert: (\w+)\n\s+expr: (.+)\n(?:\s+for: (\S+)\n)?")]
    private static partial Regex AlertRule();
}
