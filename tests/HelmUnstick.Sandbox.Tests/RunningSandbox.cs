using k8s.Autorest;

namespace HelmUnstick.Sandbox.Tests;

/// <summary>A started sandbox and a KubernetesClient configured from a kubeconfig file it wrote.</summary>
internal sealed class RunningSandbox : IAsyncDisposable
{
    private readonly string _kubeconfigPath;

    private RunningSandbox(SandboxServer server, string kubeconfigPath, string? token)
    {
        Server = server;
        _kubeconfigPath = kubeconfigPath;
        Client = ClientFor(token);
        Http = new HttpClient { BaseAddress = server.BaseAddress };
    }

    public SandboxServer Server { get; }

    public Kubernetes Client { get; }

    public HttpClient Http { get; }

    public static async Task<RunningSandbox> StartAsync(SandboxOptions? options = null, string? token = null)
    {
        var server = await SandboxServer.StartAsync(options ?? new SandboxOptions());
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sandbox-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(path, token: token);
        return new RunningSandbox(server, path, token);
    }

    public Kubernetes ClientFor(string? token)
    {
        Server.WriteKubeconfig(_kubeconfigPath, token: token);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfigPath));
    }

    public JsonObject Seed(string ns, string name, IDictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        return Server.Store.Upsert("v1", "secrets", new JsonObject { ["metadata"] = metadata, ["data"] = new JsonObject { ["k"] = "dg==" } });
    }

    public static async Task<(HttpStatusCode Code, V1Status Status)> FailureOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(call);
        return (error.Response.StatusCode, KubernetesJson.Deserialize<V1Status>(error.Response.Content));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        File.Delete(_kubeconfigPath);
        await Server.DisposeAsync();
    }
}
