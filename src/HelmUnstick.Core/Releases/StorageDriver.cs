namespace HelmUnstick.Core.Releases;

/// <summary>Where Helm keeps release revisions (<c>HELM_DRIVER</c>); the SQL and memory drivers are not supported.</summary>
public enum StorageDriver
{
    Secret,
    ConfigMap,
}

public static class StorageDrivers
{
    /// <summary>The kind of the storage object: <c>Secret</c> or <c>ConfigMap</c>.</summary>
    public static string Kind(this StorageDriver driver) => driver == StorageDriver.ConfigMap ? "ConfigMap" : "Secret";

    /// <summary>The API resource: <c>secrets</c> or <c>configmaps</c>.</summary>
    public static string Resource(this StorageDriver driver) => driver == StorageDriver.ConfigMap ? "configmaps" : "secrets";

    /// <summary>The name as Helm's <c>HELM_DRIVER</c> and the <c>--driver</c> flag spell it.</summary>
    public static string ToName(this StorageDriver driver) => driver == StorageDriver.ConfigMap ? "configmap" : "secret";

    /// <summary>Accepts what Helm accepts for these two drivers: empty (Helm's default), secret(s), configmap(s).</summary>
    public static bool TryParse(string? name, out StorageDriver driver)
    {
        switch (name)
        {
            case null or "" or "secret" or "secrets":
                driver = StorageDriver.Secret;
                return true;
            case "configmap" or "configmaps":
                driver = StorageDriver.ConfigMap;
                return true;
            default:
                driver = StorageDriver.Secret;
                return false;
        }
    }
}
