using HelmUnstick.Sandbox.Patching;

namespace HelmUnstick.Sandbox.Tests;

public sealed class StrategicMergePatchTests
{
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        {
            "Helm 3 upgrade: replicas only",
            "Deployment",
            """{"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}}}}""",
            """{"spec":{"replicas":2}}""",
            """{"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}}}}"""
        },
        {
            "Helm 3 upgrade: one ConfigMap key",
            "ConfigMap",
            """{"data":{"greeting":"hello","other":"x"}}""",
            """{"data":{"greeting":"hi"}}""",
            """{"data":{"greeting":"hi","other":"x"}}"""
        },
        {
            "null deletes a key",
            "ConfigMap",
            """{"data":{"a":"1","b":"2"}}""",
            """{"data":{"a":null}}""",
            """{"data":{"b":"2"}}"""
        },
        {
            "containers merge by name, env by name",
            "Deployment",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1","env":[{"name":"A","value":"1"}]},{"name":"side","image":"busybox"}]}}}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2","env":[{"name":"B","value":"2"}]}]}}}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"side","image":"busybox"}]}}}}"""
        },
        {
            "ports merge by containerPort",
            "Pod",
            """{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"name":"http"}]}]}}""",
            """{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}}""",
            """{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}]}]}}"""
        },
        {
            "volumeMounts merge by mountPath",
            "StatefulSet",
            """{"spec":{"template":{"spec":{"containers":[{"name":"db","volumeMounts":[{"mountPath":"/data","name":"data"}]}]}}}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"db","volumeMounts":[{"mountPath":"/data","readOnly":true}]}]}}}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"db","volumeMounts":[{"mountPath":"/data","name":"data","readOnly":true}]}]}}}}"""
        },
        {
            "$patch: delete removes a list item",
            "DaemonSet",
            """{"spec":{"template":{"spec":{"volumes":[{"name":"a","emptyDir":{}},{"name":"b","emptyDir":{}}]}}}}""",
            """{"spec":{"template":{"spec":{"volumes":[{"name":"a","$patch":"delete"}]}}}}""",
            """{"spec":{"template":{"spec":{"volumes":[{"name":"b","emptyDir":{}}]}}}}"""
        },
        {
            "$patch: replace on a map replaces it",
            "Deployment",
            """{"spec":{"selector":{"matchLabels":{"a":"1","b":"2"}}}}""",
            """{"spec":{"selector":{"matchLabels":{"c":"3","$patch":"replace"}}}}""",
            """{"spec":{"selector":{"matchLabels":{"c":"3"}}}}"""
        },
        {
            "$patch: replace in a merging list replaces the list",
            "Pod",
            """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""",
            """{"spec":{"containers":[{"name":"c"},{"$patch":"replace"}]}}""",
            """{"spec":{"containers":[{"name":"c"}]}}"""
        },
        {
            "$patch: delete on a map removes it",
            "Deployment",
            """{"spec":{"replicas":1,"strategy":{"type":"Recreate"}}}""",
            """{"spec":{"strategy":{"$patch":"delete"}}}""",
            """{"spec":{"replicas":1}}"""
        },
        {
            "$patch: merge is the default",
            "ConfigMap",
            """{"data":{"a":"1"}}""",
            """{"data":{"b":"2","$patch":"merge"}}""",
            """{"data":{"a":"1","b":"2"}}"""
        },
        {
            "lists without merge key are replaced",
            "Pod",
            """{"spec":{"containers":[{"name":"web","args":["a","b"]}],"tolerations":[{"key":"x","operator":"Exists"}]}}""",
            """{"spec":{"containers":[{"name":"web","args":["c"]}],"tolerations":[{"key":"y","operator":"Exists"}]}}""",
            """{"spec":{"containers":[{"name":"web","args":["c"]}],"tolerations":[{"key":"y","operator":"Exists"}]}}"""
        },
        {
            "$setElementOrder reorders merged items",
            "Pod",
            """{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","image":"3"}]}}""",
            """{"spec":{"containers":[{"name":"b","image":"2"},{"name":"a","image":"3"}]}}"""
        },
        {
            "kubectl 1.33 client-side apply adding an env var before the existing one",
            "Deployment",
            """{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"A","value":"1"}]}]}}}}""",
            """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"B"},{"name":"A"}],"env":[{"name":"B","value":"2"}],"name":"web"}]}}}}""",
            """{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]}}}}"""
        },
        {
            "$deleteFromPrimitiveList removes finalizers",
            "ConfigMap",
            """{"metadata":{"finalizers":["a","b","c"]}}""",
            """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""",
            """{"metadata":{"finalizers":["a","c"]}}"""
        },
        {
            "finalizers are a set",
            "Secret",
            """{"metadata":{"finalizers":["a"]}}""",
            """{"metadata":{"finalizers":["a","b"]}}""",
            """{"metadata":{"finalizers":["a","b"]}}"""
        },
        {
            "$retainKeys drops keys not listed",
            "Deployment",
            """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""",
            """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""",
            """{"spec":{"strategy":{"type":"Recreate"}}}"""
        },
        {
            "conditions merge by type",
            "Deployment",
            """{"status":{"conditions":[{"type":"Available","status":"False"},{"type":"Progressing","status":"True"}]}}""",
            """{"status":{"conditions":[{"type":"Available","status":"True"}]}}""",
            """{"status":{"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}}"""
        },
        {
            "new nested values lose their directives",
            "Job",
            """{"spec":{}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"hook","env":[{"name":"X","value":"1"},{"name":"Y","$patch":"delete"}]}]}}}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"hook","env":[{"name":"X","value":"1"}]}]}}}}"""
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_PatchesLikeTheApiServer(string scenario, string kind, string original, string patch, string expected)
    {
        var originalObject = JsonNode.Parse(original)!.AsObject();
        string originalBefore = originalObject.ToJsonString();

        var result = StrategicMergePatch.Apply(originalObject, JsonNode.Parse(patch)!.AsObject(), kind);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"{scenario}: {result.ToJsonString()}");
        Assert.Equal(originalBefore, originalObject.ToJsonString());
    }

    [Fact]
    public void Apply_KindWithoutSchema_IsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => StrategicMergePatch.Apply([], [], "Widget"));
    }
}
