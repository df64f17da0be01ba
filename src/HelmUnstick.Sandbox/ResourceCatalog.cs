namespace HelmUnstick.Sandbox;

/// <summary>One served resource type, with the fields discovery reports for it.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Resource,
    string SingularName,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>How the apiserver names the resource in messages: <c>secrets</c>, <c>deployments.apps</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    /// <summary>How the apiserver names the kind in validation messages: <c>Secret</c>, <c>Deployment.apps</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>Resources whose spec changes bump <c>metadata.generation</c> in this emulator.</summary>
    public bool TracksGeneration =>
        Group is "batch" or ResourceCatalog.CustomResourceGroup
        || Group == "apps" && Resource is "deployments" or "statefulsets" or "daemonsets" or "replicasets";
}

internal static class ResourceCatalog
{
    public static readonly IReadOnlyList<string> Verbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly IReadOnlyList<ResourceType> All =
    [
        new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"]),
        new("", "v1", "secrets", "secret", "Secret", true, []),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"]),
        new("", "v1", "pods", "pod", "Pod", true, ["po"]),
        new("", "v1", "events", "event", "Event", true, ["ev"]),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"]),
        new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"]),
        new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"]),
        new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"]),
        new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"]),

        // What serve uses (its leader-election Lease) and what installing its chart creates.
        new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, []),
        new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"]),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, []),
        new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, []),
        // What helm --wait and hooks wait on, for the liveness evidence: a Service, a claim, hook Jobs, and one custom
        // resource kind with status conditions (as kstatus reads them).
        new("", "v1", "services", "service", "Service", true, ["svc"]),
        new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"]),
        new("batch", "v1", "jobs", "job", "Job", true, []),
        new(CustomResourceGroup, "v1", "databases", "database", "Database", true, ["db"]),
    ];

    /// <summary>The group of the one custom resource kind served, as if its CustomResourceDefinition were installed.</summary>
    public const string CustomResourceGroup = "demo.helm-unstick.io";

    public static ResourceType? Find(string groupVersion, string resource) =>
        All.FirstOrDefault(r => r.GroupVersion == groupVersion && r.Resource == resource);

    public static ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.GroupVersion == apiVersion && r.Kind == kind);

    public static ResourceType Namespaces => All[0];
}
