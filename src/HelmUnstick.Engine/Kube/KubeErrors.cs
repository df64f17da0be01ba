using System.Net;
using System.Text.Json.Nodes;
using HelmUnstick.Engine.Unstick;
using k8s.Autorest;
using Polly.Timeout;

namespace HelmUnstick.Engine.Kube;

/// <summary>Turns what KubernetesClient throws into one line an on-call engineer can act on.</summary>
internal static class KubeErrors
{
    /// <summary>
    /// True only for the user's own cancellation. KubernetesClient reports its own timeouts as cancellations too,
    /// and those are API errors, to be translated like any other.
    /// </summary>
    public static bool IsUserCancellation(Exception e, CancellationToken ct) => e is OperationCanceledException && ct.IsCancellationRequested;

    public static HttpStatusCode? StatusOf(Exception e) => e is HttpOperationException h ? h.Response?.StatusCode : null;

    /// <summary>The apiserver's own Status message, which names the verb, resource and namespace for a 403.</summary>
    public static string? ServerMessage(Exception e)
    {
        if (e is not HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content)?["message"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static EngineException Translate(Exception e, ClusterSession session, string doing) => new(UnstickFailure.ClusterError, Describe(e, session, doing));

    /// <summary>One line saying what failed while <paramref name="doing"/> and what to do about it.</summary>
    public static string Describe(Exception e, ClusterSession session, string doing) => session.Secrets.Redact(Unredacted(e, session, doing));

    /// <summary>The line as the API server's answer makes it, which may echo a credential.</summary>
    private static string Unredacted(Exception e, ClusterSession session, string doing)
    {
        var where = $"the API server {session.Server} (context {session.ContextName})";
        return e switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } =>
                $"{where} rejected the credentials (401 Unauthorized) while {doing}; log in again or refresh the token in the kubeconfig",
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } =>
                $"forbidden while {doing}: {ServerMessage(e) ?? "403 Forbidden"}; see the README for the RBAC helm-unstick needs",
            HttpOperationException h =>
                $"{where} answered {(int)h.Response.StatusCode} {h.Response.ReasonPhrase} while {doing}: {ServerMessage(e) ?? "no message"}",
            HttpRequestException r =>
                $"cannot reach {where} while {doing}: {Innermost(r).Message}",
            TaskCanceledException or TimeoutException or TimeoutRejectedException =>
                $"{where} did not answer in time while {doing}",
            _ => $"{doing} failed: {e.Message}",
        };
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
