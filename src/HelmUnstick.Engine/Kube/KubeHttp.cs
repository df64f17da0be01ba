using System.Text.Json.Nodes;
using k8s.Autorest;

namespace HelmUnstick.Engine.Kube;

/// <summary>
/// Raw GETs through the client's own HttpClient (and so its resilience pipeline) and credentials, for paths the typed API does not cover (partial
/// metadata lists, objects of any kind). Failures surface as <see cref="HttpOperationException"/>, like the typed calls.
/// </summary>
internal static class KubeHttp
{
    public static async Task<JsonNode> GetJsonAsync(ClusterSession session, string relative, string accept, CancellationToken ct)
    {
        using var response = await GetAsync(session, relative, accept, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) ?? new JsonObject();
    }

    /// <summary>The answer once its headers are in (its body still to be read); a failure as <see cref="HttpOperationException"/>.</summary>
    public static async Task<HttpResponseMessage> GetAsync(ClusterSession session, string relative, string accept, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(session.Client.BaseUri, relative));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (session.Client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, ct);
        }

        var response = await session.Client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpOperationException($"GET {relative} returned {(int)response.StatusCode}")
            {
                Request = new HttpRequestMessageWrapper(request, null),
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
    }
}
