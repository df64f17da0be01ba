using System.Globalization;
using System.Net;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s;
using k8s.Models;

namespace HelmUnstick.Engine.Serve;

/// <summary>The Kubernetes Events <c>serve</c> writes (leader only) in the release's namespace, about the stuck revision's Secret (or ConfigMap).</summary>
internal enum ReleaseEventReason
{
    /// <summary>Warning, once per stuck revision.</summary>
    ReleaseStuck,

    /// <summary>Warning, each time the check that blocks the fix changes.</summary>
    RemediationBlocked,

    /// <summary>Normal, after a verified fix.</summary>
    ReleaseUnstuck,
}

internal sealed class ReleaseEvents(ClusterSession session, StorageDriver driver, string identity, TimeProvider clock, TextWriter log)
    : IReleaseEventWriter
{
    private const string Component = "helm-unstick";

    private bool _forbidden;

    /// <summary>
    /// Creates the Event. ReleaseStuck has a name derived from the Secret's uid, so a new leader (or a restart)
    /// that sees the same stuck revision finds it already reported instead of reporting it twice.
    /// Failing to write an Event is logged, never fatal: metrics and the log line still tell.
    /// </summary>
    public async Task WriteAsync(StoredRevision stuck, ReleaseEventReason reason, string message, CancellationToken ct)
    {
        if (_forbidden)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var suffix = reason == ReleaseEventReason.ReleaseStuck
            ? $"stuck-{Short(stuck.Uid)}"
            : $"{reason.ToString().ToLowerInvariant()}-{now.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture)}";
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{stuck.ObjectName}.{suffix}", NamespaceProperty = stuck.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = driver.Kind(),
                NamespaceProperty = stuck.Namespace,
                Name = stuck.ObjectName,
                Uid = stuck.Uid,
                ResourceVersion = stuck.ResourceVersion,
            },
            Reason = reason.ToString(),
            Type = reason == ReleaseEventReason.ReleaseUnstuck ? "Normal" : "Warning",
            Message = message.Length > 1024 ? message[..1021] + "..." : message,
            Count = 1,
            FirstTimestamp = now.UtcDateTime,
            LastTimestamp = now.UtcDateTime,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = identity,
        };
        try
        {
            await session.Client.CoreV1.CreateNamespacedEventAsync(body, stuck.Namespace, cancellationToken: ct);
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.Conflict)
        {
            // Already reported (by us earlier or by the previous leader).
        }
        catch (Exception e) when (KubeErrors.StatusOf(e) == HttpStatusCode.Forbidden)
        {
            // The chart grants "create events" only with a policy that can fix: say so once, then stop asking.
            _forbidden = true;
            log.WriteLine($"warning: {KubeErrors.Translate(e, session, $"writing a {reason} Event in namespace {stuck.Namespace}").Message}; no more Events will be written");
        }
        catch (Exception e) when (!KubeErrors.IsUserCancellation(e, ct))
        {
            log.WriteLine($"warning: {KubeErrors.Translate(e, session, $"writing a {reason} Event in namespace {stuck.Namespace}").Message}");
        }
    }

    private static string Short(string? uid) => uid is { Length: >= 8 } ? uid[..8].ToLowerInvariant() : "unknown";
}
