using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;

namespace HelmUnstick.TestSupport;

/// <summary>Failures as KubernetesClient reports them, so that the engine reads them as it reads the apiserver's.</summary>
internal static class ApiErrors
{
    /// <summary>An answer with this status and the apiserver's Status body carrying <paramref name="message"/>.</summary>
    public static Exception Status(HttpStatusCode status, string message)
    {
        var body = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["code"] = (int)status }.ToJsonString();
        return new HttpOperationException($"Operation returned an invalid status code '{status}'")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(status), body),
        };
    }

    /// <summary>The connection dropped before an answer came: whether the request took effect is unknown.</summary>
    public static Exception ConnectionReset() => new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer"));

    /// <summary>No answer within the client's timeout.</summary>
    public static Exception Timeout() => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 30 seconds elapsing.");
}
