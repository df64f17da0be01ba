namespace HelmUnstick.Sandbox.OpenApi;

/// <summary>
/// Swagger 2.0 definitions for the kinds the sandbox serves, named as the apiserver names them. Objects list every
/// field of the real type, so client-side validation accepts what a real cluster accepts; values whose shape does
/// not matter to Helm or kubectl are left as arbitrary schemas. Lists carry the patch strategy extensions that
/// strategic merge patches are computed from.
/// </summary>
internal static class OpenApiDefinitions
{
    private const string ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private const string LabelSelector = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector";
    private const string OwnerReference = "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference";
    private const string PodTemplateSpec = "io.k8s.api.core.v1.PodTemplateSpec";
    private const string PodSpec = "io.k8s.api.core.v1.PodSpec";
    private const string Container = "io.k8s.api.core.v1.Container";
    private const string EnvVar = "io.k8s.api.core.v1.EnvVar";
    private const string ContainerPort = "io.k8s.api.core.v1.ContainerPort";
    private const string Volume = "io.k8s.api.core.v1.Volume";
    private const string VolumeMount = "io.k8s.api.core.v1.VolumeMount";

    /// <summary>The group, version and kind of each top-level definition.</summary>
    public static readonly IReadOnlyList<(string Definition, string Group, string Version, string Kind)> Kinds =
    [
        ("io.k8s.api.core.v1.ConfigMap", "", "v1", "ConfigMap"),
        ("io.k8s.api.core.v1.Secret", "", "v1", "Secret"),
        ("io.k8s.api.core.v1.Namespace", "", "v1", "Namespace"),
        ("io.k8s.api.core.v1.Pod", "", "v1", "Pod"),
        ("io.k8s.api.apps.v1.Deployment", "apps", "v1", "Deployment"),
        ("io.k8s.api.apps.v1.StatefulSet", "apps", "v1", "StatefulSet"),
        ("io.k8s.api.apps.v1.DaemonSet", "apps", "v1", "DaemonSet"),
        ("io.k8s.api.apps.v1.ReplicaSet", "apps", "v1", "ReplicaSet"),
        ("io.k8s.api.batch.v1.Job", "batch", "v1", "Job"),
        ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler", "autoscaling", "v2", "HorizontalPodAutoscaler"),
        ("io.k8s.api.core.v1.Service", "", "v1", "Service"),
        ("io.k8s.api.core.v1.PersistentVolumeClaim", "", "v1", "PersistentVolumeClaim"),
        ("io.helm-unstick.demo.v1.Database", ResourceCatalog.CustomResourceGroup, "v1", "Database"),
    ];

    public static JsonObject Build()
    {
        var definitions = new JsonObject
        {
            [ObjectMeta] = Object(
                ["deletionGracePeriodSeconds", "generation"],
                ("annotations", StringMap()),
                ("creationTimestamp", Typed("string", "date-time")),
                ("deletionTimestamp", Typed("string", "date-time")),
                ("finalizers", new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = Typed("string"),
                    ["x-kubernetes-list-type"] = "set",
                    ["x-kubernetes-patch-strategy"] = "merge",
                }),
                ("generateName", Typed("string")),
                ("labels", StringMap()),
                ("managedFields", ArrayOf(Arbitrary())),
                ("name", Typed("string")),
                ("namespace", Typed("string")),
                ("ownerReferences", MergeList(OwnerReference, "uid")),
                ("resourceVersion", Typed("string")),
                ("selfLink", Typed("string")),
                ("uid", Typed("string"))),
            [OwnerReference] = Object(["blockOwnerDeletion", "controller"],
                ("apiVersion", Typed("string")), ("kind", Typed("string")), ("name", Typed("string")), ("uid", Typed("string"))),
            [LabelSelector] = Object(["matchExpressions"], ("matchLabels", StringMap())),
            [PodTemplateSpec] = Object([], ("metadata", Ref(ObjectMeta)), ("spec", Ref(PodSpec))),
            [PodSpec] = Object(
                ["activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "dnsConfig", "dnsPolicy",
                 "enableServiceLinks", "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "hostnameOverride",
                 "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority", "priorityClassName",
                 "readinessGates", "resources", "restartPolicy", "runtimeClassName", "schedulerName",
                 "schedulingGates", "securityContext", "serviceAccount", "serviceAccountName", "setHostnameAsFQDN",
                 "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds", "tolerations"],
                ("containers", MergeList(Container, "name")),
                ("ephemeralContainers", MergeList(Container, "name")),
                ("hostAliases", MergeList(null, "ip")),
                ("imagePullSecrets", MergeList(null, "name")),
                ("initContainers", MergeList(Container, "name")),
                ("resourceClaims", MergeList(null, "name", "merge,retainKeys")),
                ("topologySpreadConstraints", MergeList(null, "topologyKey")),
                ("volumes", MergeList(Volume, "name", "merge,retainKeys"))),
            [Container] = Object(
                ["args", "command", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name",
                 "readinessProbe", "resizePolicy", "resources", "restartPolicy", "restartPolicyRules", "securityContext",
                 "startupProbe", "stdin", "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty",
                 "workingDir"],
                ("env", MergeList(EnvVar, "name")),
                ("ports", MergeList(ContainerPort, "containerPort")),
                ("volumeDevices", MergeList(null, "devicePath")),
                ("volumeMounts", MergeList(VolumeMount, "mountPath"))),
            [EnvVar] = Object(["value", "valueFrom"], ("name", Typed("string"))),
            [ContainerPort] = Object(["hostIP", "hostPort", "name", "protocol"], ("containerPort", Typed("integer", "int32"))),
            // Volume has one member per volume source; they are left open rather than listed.
            [Volume] = new JsonObject { ["type"] = "object" },
            [VolumeMount] = Object(["mountPropagation", "name", "readOnly", "recursiveReadOnly", "subPath", "subPathExpr"],
                ("mountPath", Typed("string"))),
        };

        AddKind(definitions, "io.k8s.api.core.v1.ConfigMap",
            ("binaryData", StringMap("byte")), ("data", StringMap()), ("immutable", Typed("boolean")));
        AddKind(definitions, "io.k8s.api.core.v1.Secret",
            ("data", StringMap("byte")), ("immutable", Typed("boolean")), ("stringData", StringMap()), ("type", Typed("string")));
        AddKind(definitions, "io.k8s.api.core.v1.Namespace", ("spec", Arbitrary()), ("status", Arbitrary()));
        AddKind(definitions, "io.k8s.api.core.v1.Pod", ("spec", Ref(PodSpec)), ("status", Arbitrary()));
        AddWorkload(definitions, "io.k8s.api.apps.v1.Deployment",
            ["minReadySeconds", "paused", "progressDeadlineSeconds", "replicas", "revisionHistoryLimit", "strategy"]);
        AddWorkload(definitions, "io.k8s.api.apps.v1.StatefulSet",
            ["minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy", "podManagementPolicy", "replicas",
             "revisionHistoryLimit", "serviceName", "updateStrategy", "volumeClaimTemplates"]);
        AddWorkload(definitions, "io.k8s.api.apps.v1.DaemonSet", ["minReadySeconds", "revisionHistoryLimit", "updateStrategy"]);
        AddWorkload(definitions, "io.k8s.api.apps.v1.ReplicaSet", ["minReadySeconds", "replicas"]);
        AddWorkload(definitions, "io.k8s.api.batch.v1.Job",
            ["activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode", "completions", "managedBy",
             "manualSelector", "maxFailedIndexes", "parallelism", "podFailurePolicy", "podReplacementPolicy",
             "successPolicy", "suspend", "ttlSecondsAfterFinished"]);
        AddKind(definitions, "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler", ("spec", Arbitrary()), ("status", Arbitrary()));
        AddKind(definitions, "io.k8s.api.core.v1.Service", ("spec", Arbitrary()), ("status", Arbitrary()));
        AddKind(definitions, "io.k8s.api.core.v1.PersistentVolumeClaim", ("spec", Arbitrary()), ("status", Arbitrary()));
        AddKind(definitions, "io.helm-unstick.demo.v1.Database", ("spec", Arbitrary()), ("status", Arbitrary()));
        return definitions;
    }

    private static void AddWorkload(JsonObject definitions, string name, string[] openSpecFields)
    {
        string specName = name + "Spec";
        definitions[specName] = Object(openSpecFields, ("selector", Ref(LabelSelector)), ("template", Ref(PodTemplateSpec)));
        AddKind(definitions, name, ("spec", Ref(specName)), ("status", Arbitrary()));
    }

    private static void AddKind(JsonObject definitions, string name, params (string Name, JsonObject Schema)[] fields)
    {
        var (_, group, version, kind) = Kinds.Single(k => k.Definition == name);
        var schema = Object([], [("apiVersion", Typed("string")), ("kind", Typed("string")), ("metadata", Ref(ObjectMeta)), .. fields]);
        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });
        definitions[name] = schema;
    }

    /// <summary>An object whose fields are all known: typed ones as given, the rest arbitrary.</summary>
    private static JsonObject Object(string[] openFields, params (string Name, JsonObject Schema)[] typedFields)
    {
        var properties = new JsonObject();
        var all = typedFields.Concat(openFields.Select(f => (Name: f, Schema: Arbitrary())));
        foreach (var (name, schema) in all.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            properties[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties };
    }

    private static JsonObject MergeList(string? itemDefinition, string mergeKey, string strategy = "merge") => new()
    {
        ["type"] = "array",
        ["items"] = itemDefinition is null ? Arbitrary() : Ref(itemDefinition),
        ["x-kubernetes-list-map-keys"] = new JsonArray(mergeKey),
        ["x-kubernetes-list-type"] = "map",
        ["x-kubernetes-patch-merge-key"] = mergeKey,
        ["x-kubernetes-patch-strategy"] = strategy,
    };

    /// <summary>
    /// Any value: no type and no properties, which validators read as arbitrary. The extension only keeps the
    /// schema non-empty, since kubectl explain cannot print an empty one.
    /// </summary>
    private static JsonObject Arbitrary() => new() { ["x-kubernetes-preserve-unknown-fields"] = true };

    private static JsonObject ArrayOf(JsonObject items) => new() { ["type"] = "array", ["items"] = items };

    private static JsonObject StringMap(string? format = null) => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = Typed("string", format),
    };

    private static JsonObject Typed(string type, string? format = null)
    {
        var schema = new JsonObject { ["type"] = type };
        if (format is not null)
        {
            schema["format"] = format;
        }

        return schema;
    }

    private static JsonObject Ref(string definition) => new() { ["$ref"] = "#/definitions/" + definition };
}
