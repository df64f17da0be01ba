namespace HelmUnstick.Sandbox.Patching;

/// <summary>
/// The list merge strategies of the built-in kinds the sandbox serves, keyed by field name. Field names are
/// unambiguous within these kinds except <c>ports</c>, whose merge key differs between containers and Services.
/// </summary>
internal static class PatchSchema
{
    public static readonly IReadOnlySet<string> SupportedKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "Secret", "ConfigMap", "Pod", "Namespace", "Service", "Deployment", "StatefulSet", "DaemonSet",
        "ReplicaSet", "HorizontalPodAutoscaler", "Job", "CronJob", "PersistentVolumeClaim",
        "Lease", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
    };

    private static readonly Dictionary<string, ListMergeStrategy> StrategiesByField = new(StringComparer.Ordinal)
    {
        ["containers"] = ListMergeStrategy.ByKey("name"),
        ["initContainers"] = ListMergeStrategy.ByKey("name"),
        ["ephemeralContainers"] = ListMergeStrategy.ByKey("name"),
        ["env"] = ListMergeStrategy.ByKey("name"),
        ["ports"] = ListMergeStrategy.ByKey("containerPort"),
        ["volumes"] = ListMergeStrategy.ByKey("name"),
        ["volumeMounts"] = ListMergeStrategy.ByKey("mountPath"),
        ["volumeDevices"] = ListMergeStrategy.ByKey("devicePath"),
        ["imagePullSecrets"] = ListMergeStrategy.ByKey("name"),
        ["hostAliases"] = ListMergeStrategy.ByKey("ip"),
        ["topologySpreadConstraints"] = ListMergeStrategy.ByKey("topologyKey"),
        ["resourceClaims"] = ListMergeStrategy.ByKey("name"),
        ["conditions"] = ListMergeStrategy.ByKey("type"),
        ["ownerReferences"] = ListMergeStrategy.ByKey("uid"),
        ["finalizers"] = ListMergeStrategy.PrimitiveSet,
    };

    public static ListMergeStrategy ListStrategy(string kind, string field)
    {
        if (field == "ports" && kind == "Service")
        {
            return ListMergeStrategy.ByKey("port");
        }

        return StrategiesByField.GetValueOrDefault(field, ListMergeStrategy.Atomic);
    }
}
