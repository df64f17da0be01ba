using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using HelmUnstick.Engine.Kube;
using k8s;

namespace HelmUnstick.TestSupport;

/// <summary>A cluster session that names a cluster for the engine's messages and backups, answered in memory.</summary>
internal static class InMemoryCluster
{
    public const string Server = "https://in-memory.invalid";

    public const string Context = "in-memory";

    /// <summary>A session that is never connected to: any request to its cluster fails.</summary>
    public static ClusterSession Session(string defaultNamespace) =>
        new(new Kubernetes(new KubernetesClientConfiguration { Host = Server }), Context, defaultNamespace, Server);

    /// <summary>
    /// A session whose API server answers in memory as an empty cluster does (every list empty, every object not found),
    /// except that the namespace's Deployment list holds <paramref name="deployments"/>: for the engine's checks and
    /// live reads beside an in-memory release store.
    /// </summary>
    public static ClusterSession EmptySession(string defaultNamespace, params JsonObject[] deployments) =>
        new(new Kubernetes(new KubernetesClientConfiguration { Host = Server }, new EmptyCluster(deployments)), Context, defaultNamespace, Server);

    /// <summary>A Deployment of one replica whose rollout never became available: the runbook's workload check blocks on it.</summary>
    public static JsonObject UnavailableDeployment(string ns, string name) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["generation"] = 2 },
        ["spec"] = new JsonObject { ["replicas"] = 1 },
        ["status"] = new JsonObject { ["observedGeneration"] = 2, ["updatedReplicas"] = 1, ["availableReplicas"] = 0 },
    };

    private sealed class EmptyCluster(JsonObject[] deployments) : DelegatingHandler
    {
        private static readonly string[] Lists = ["deployments", "statefulsets", "daemonsets", "horizontalpodautoscalers"];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var resource = request.RequestUri!.AbsolutePath.Split('/')[^1];
            if (request.Method == HttpMethod.Get && Lists.Contains(resource))
            {
                var items = resource == "deployments" ? new JsonArray([.. deployments.Select(d => (JsonNode)d.DeepClone())]) : [];
                return Task.FromResult(Answer(request, HttpStatusCode.OK, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["metadata"] = new JsonObject(), ["items"] = items }));
            }

            return Task.FromResult(Answer(request, HttpStatusCode.NotFound, new JsonObject
            {
                ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404,
                ["message"] = $"{resource} not found",
            }));
        }

        private static HttpResponseMessage Answer(HttpRequestMessage request, HttpStatusCode status, JsonObject body) =>
            new(status) { RequestMessage = request, Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
    }
}
