namespace HelmUnstick.Sandbox.Tests;

public sealed class ClusterStoreTests
{
    private static JsonObject ConfigMap(string ns, string name) =>
        new() { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["data"] = new JsonObject { ["k"] = "v" } };

    [Fact]
    public void Upsert_CreatesNamespaceAndAssignsIdentity()
    {
        var store = new ClusterStore();

        var stored = store.Upsert("v1", "configmaps", ConfigMap("team-q", "c"));

        Assert.NotNull(store.Get("v1", "namespaces", null, "team-q"));
        Assert.Equal("ConfigMap", stored["kind"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(stored["metadata"]!["uid"]!.GetValue<string>()));
        Assert.Equal(store.ResourceVersion.ToString(), stored["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void ResourceVersion_IncreasesWithEveryWrite()
    {
        var store = new ClusterStore();

        var first = long.Parse(store.Upsert("v1", "configmaps", ConfigMap("a", "c"))["metadata"]!["resourceVersion"]!.GetValue<string>());
        var second = long.Parse(store.Upsert("v1", "configmaps", ConfigMap("a", "c"))["metadata"]!["resourceVersion"]!.GetValue<string>());
        store.Delete("v1", "configmaps", "a", "c");

        Assert.True(second > first);
        Assert.True(store.ResourceVersion > second);
    }

    [Fact]
    public void List_OrdersByNamespaceThenName()
    {
        var store = new ClusterStore();
        store.Upsert("v1", "configmaps", ConfigMap("b", "a"));
        store.Upsert("v1", "configmaps", ConfigMap("a", "z"));
        store.Upsert("v1", "configmaps", ConfigMap("a", "b"));

        var keys = store.List("v1", "configmaps").Select(o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}");

        Assert.Equal(["a/b", "a/z", "b/a"], keys);
    }

    [Fact]
    public void Get_ReturnsCopy()
    {
        var store = new ClusterStore();
        store.Upsert("v1", "configmaps", ConfigMap("a", "c"));

        store.Get("v1", "configmaps", "a", "c")!["data"]!["k"] = "changed";

        Assert.Equal("v", store.Get("v1", "configmaps", "a", "c")!["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public void Delete_Missing_ReturnsFalse()
    {
        Assert.False(new ClusterStore().Delete("v1", "configmaps", "a", "nothing"));
    }

    [Fact]
    public void Upsert_UnservedResource_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterStore().Upsert("v1", "replicationcontrollers", ConfigMap("a", "s")));

        Assert.Contains("does not serve replicationcontrollers in v1", error.Message);
    }
}
