namespace HelmUnstick.Sandbox;

/// <summary>One context of a kubeconfig: its cluster's server, the user's bearer token and the default namespace.</summary>
public sealed record KubeconfigContext(string Name, string Server, string Token, string? Namespace = null);

/// <summary>Writes kubeconfig files for sandboxes (and for servers that are meant to be unreachable).</summary>
public static class Kubeconfig
{
    /// <summary>A kubeconfig with a cluster, a user and a context per entry of <paramref name="contexts"/>, each named after the context.</summary>
    public static string Yaml(IReadOnlyList<KubeconfigContext> contexts, string? currentContext)
    {
        var yaml = new StringBuilder().Append("apiVersion: v1\nkind: Config\nclusters:\n");
        foreach (var context in contexts)
        {
            yaml.Append($"- name: {Quote(context.Name)}\n  cluster:\n    server: {Quote(context.Server)}\n");
        }

        yaml.Append(contexts.Count == 0 ? "contexts: []\n" : "contexts:\n");
        foreach (var context in contexts)
        {
            yaml.Append($"- name: {Quote(context.Name)}\n  context:\n    cluster: {Quote(context.Name)}\n    user: {Quote(context.Name)}\n");
            if (context.Namespace is not null)
            {
                yaml.Append($"    namespace: {Quote(context.Namespace)}\n");
            }
        }

        if (currentContext is not null)
        {
            yaml.Append($"current-context: {Quote(currentContext)}\n");
        }

        yaml.Append("preferences: {}\n").Append(contexts.Count == 0 ? "users: []\n" : "users:\n");
        foreach (var context in contexts)
        {
            yaml.Append($"- name: {Quote(context.Name)}\n  user:\n    token: {Quote(context.Token)}\n");
        }

        return yaml.ToString();
    }

    /// <summary>YAML double-quoted scalar; JSON string escaping is valid YAML.</summary>
    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
