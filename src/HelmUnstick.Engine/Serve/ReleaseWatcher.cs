using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using HelmUnstick.Engine.Kube;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Releases;
using k8s.Autorest;

namespace HelmUnstick.Engine.Serve;

/// <summary>
/// Keeps a <see cref="ReleaseLabelIndex"/> of every release Secret (or, with the configmap driver, release ConfigMap)
/// from metadata only: one paged list, then a watch from its resourceVersion with bookmarks; a new list on 410 Gone;
/// backoff and a counted error on any other failure, and never giving up. Each release whose revisions changed is
/// written to <see cref="Changes"/>.
/// </summary>
internal sealed class ReleaseWatcher(ClusterSession session, KubeReleaseStore store, string? ns, TimeProvider clock, ServeMetrics metrics, TextWriter log)
    : IReleaseIndex
{
    private const int PageSize = 500;

    /// <summary>The apiserver ends each watch after this long; the next one resumes from the last resourceVersion.</summary>
    private const int WatchSeconds = 290;

    private const string MetadataOnly = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // Each release object's labels and its resourceVersion as last listed or watched: a payload read at that version is still current.
    private readonly ReleaseLabelIndex _index = new();
    private readonly Lock _gate = new();
    private readonly Channel<ReleaseKey> _changes = Channel.CreateUnbounded<ReleaseKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChannelReader<ReleaseKey> Changes => _changes.Reader;

    /// <summary>Completes once the first list has been read completely, after its releases were written to <see cref="Changes"/>.</summary>
    public Task FirstListCompleted => _listed.Task;

    private string Scope => ns is null ? "all namespaces" : $"namespace {ns}";

    /// <summary>The Secrets whose payloads decide the release, or null when its labels rule it out.</summary>
    public PayloadsToRead? PayloadsToRead(ReleaseKey release)
    {
        lock (_gate)
        {
            return _index.PayloadsToRead(release);
        }
    }

    /// <summary>The resourceVersion the list or watch last reported for a release object; null when unknown or gone.</summary>
    public string? ResourceVersionOf(string ns, string name)
    {
        lock (_gate)
        {
            return _index.ResourceVersionOf(ns, name);
        }
    }

    public IReadOnlyList<ReleaseKey> Candidates()
    {
        lock (_gate)
        {
            return _index.Candidates();
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        string? resourceVersion = null;
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(ct);
                    _listed.TrySetResult();
                }

                resourceVersion = await WatchAsync(resourceVersion, ct);
                backoff = FirstBackoff;
            }
            catch (WatchExpiredException)
            {
                // Our resourceVersion fell out of the apiserver's window: start over from a fresh list.
                resourceVersion = null;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                metrics.CountWatchError();
                var doing = resourceVersion is null ? "listing" : "watching";
                log.WriteLine($"warning: {KubeErrors.Translate(e, session, $"{doing} release {store.Driver.Kind()}s in {Scope}").Message}; retrying in {backoff.TotalSeconds:0}s");
                try
                {
                    await Task.Delay(backoff, clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads every release object's metadata, replaces the index, and returns the list's resourceVersion.</summary>
    private async Task<string> ListAsync(CancellationToken ct)
    {
        // Each page goes into a fresh index as it arrives: on 30,000 Secrets, holding every page's labels until the
        // last one raised serve's peak RSS from about 68 MB to 96 MB.
        var fresh = new ReleaseLabelIndex();
        var resourceVersion = "";
        await foreach (var page in store.ListMetadataPagesAsync(ns, KubeReleaseStore.HelmOwnerSelector, PageSize, ct))
        {
            foreach (var listed in page.Items)
            {
                fresh.Upsert(listed.Namespace, listed.Name, listed.Labels, listed.ResourceVersion);
            }

            resourceVersion = page.ResourceVersion;
        }

        IReadOnlyList<ReleaseKey> affected;
        lock (_gate)
        {
            affected = _index.ReplaceAll(fresh);
        }

        Publish(affected);
        return resourceVersion;
    }

    /// <summary>Follows changes from <paramref name="resourceVersion"/> until the apiserver ends the watch; returns where it got to.</summary>
    private async Task<string> WatchAsync(string resourceVersion, CancellationToken ct)
    {
        var query = $"watch=true&allowWatchBookmarks=true&timeoutSeconds={WatchSeconds}" +
                    $"&labelSelector={Uri.EscapeDataString(KubeReleaseStore.HelmOwnerSelector)}&resourceVersion={Uri.EscapeDataString(resourceVersion)}";

        // A connection that dies silently would otherwise hold the watch open for ever.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(TimeSpan.FromSeconds(WatchSeconds + 30));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(session.Client.BaseUri, $"{store.CollectionPath(ns)}?{query}"));
        request.Headers.TryAddWithoutValidation("Accept", MetadataOnly);
        if (session.Client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, stall.Token);
        }

        using var response = await session.Client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            throw new WatchExpiredException();
        }

        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(stall.Token);
            throw new HttpOperationException($"watch returned {(int)response.StatusCode}")
            {
                Request = new HttpRequestMessageWrapper(request, null),
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stall.Token));
        while (await reader.ReadLineAsync(stall.Token) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var change = JsonNode.Parse(line);
            var type = change?["type"]?.GetValue<string>();
            var obj = change?["object"];
            if (type == "ERROR")
            {
                if (obj?["code"]?.GetValue<int>() == (int)HttpStatusCode.Gone)
                {
                    throw new WatchExpiredException();
                }

                throw new InvalidOperationException($"the watch reported an error: {obj?["message"]?.GetValue<string>() ?? line}");
            }

            var meta = obj?["metadata"];
            resourceVersion = meta?["resourceVersion"]?.GetValue<string>() ?? resourceVersion;
            IReadOnlyList<ReleaseKey> affected;
            lock (_gate)
            {
                affected = type switch
                {
                    "ADDED" or "MODIFIED" when Identity(obj) is var (itemNs, name) => _index.Upsert(itemNs, name, Labels(obj), meta?["resourceVersion"]?.GetValue<string>()),
                    "DELETED" => _index.Remove(meta?["namespace"]?.GetValue<string>() ?? "", meta?["name"]?.GetValue<string>() ?? ""),
                    _ => [],
                };
            }

            Publish(affected);
        }

        return resourceVersion;
    }

    private void Publish(IReadOnlyList<ReleaseKey> releases)
    {
        foreach (var release in releases)
        {
            _changes.Writer.TryWrite(release);
        }
    }

    private static (string Namespace, string Name)? Identity(JsonNode? item) =>
        item?["metadata"] is { } meta && meta["namespace"]?.GetValue<string>() is { } ns && meta["name"]?.GetValue<string>() is { } name
            ? (ns, name)
            : null;

    private static Dictionary<string, string>? Labels(JsonNode? item) =>
        item?["metadata"]?["labels"]?.AsObject().ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "");

    private sealed class WatchExpiredException : Exception;
}
