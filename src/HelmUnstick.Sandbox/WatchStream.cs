namespace HelmUnstick.Sandbox;

/// <summary>
/// Serves <c>?watch=true</c>: a stream of JSON lines <c>{"type":...,"object":...}</c>. Supports the
/// <c>sendInitialEvents</c> stream that Helm 4's --wait opens (ADDED for every current object, then a BOOKMARK
/// annotated <c>k8s.io/initial-events-end</c>), the legacy start without a resourceVersion, resuming from a
/// resourceVersion, label and field selectors, and <c>timeoutSeconds</c>.
/// </summary>
internal static class WatchStream
{
    private const int DefaultTimeoutSeconds = 1800;

    /// <summary>
    /// Streams the watch; <paramref name="form"/> turns each object into the representation the client asked for.
    /// The stream ends when the server is <paramref name="stopping"/>, so an open watch does not hold up its shutdown.
    /// </summary>
    public static async Task ServeAsync(
        HttpContext context, ClusterStore store, ResourceType type, string? ns, Func<JsonObject, JsonObject> form, CancellationToken stopping)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var requestedVersion = query["resourceVersion"].ToString();
        long? since = requestedVersion is "" or "0" ? null
            : long.TryParse(requestedVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw ApiErrors.BadRequest($"invalid resource version: {requestedVersion}");
        var sendInitialEvents = query["sendInitialEvents"].ToString() switch
        {
            "true" => true,
            "false" => false,
            _ => since is null,
        };
        if (query["sendInitialEvents"] == "true" && query["allowWatchBookmarks"] != "true")
        {
            // As the apiserver: the end of the initial events is announced by a bookmark, so bookmarks must be allowed.
            throw ApiErrors.Invalid(type, "", "allowWatchBookmarks", "FieldValueForbidden", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true");
        }

        var initialEventsEndBookmark = sendInitialEvents && query["sendInitialEvents"] == "true";
        var timeoutSeconds = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : DefaultTimeoutSeconds;

        using var feed = store.Watch(type.GroupVersion, type.Resource, ns, sendInitialEvents ? null : since);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));

        context.Response.StatusCode = 200;
        context.Response.ContentType = KubeJson.ContentType;
        await context.Response.StartAsync(context.RequestAborted);
        // Send the headers now, as the apiserver does: client-go's watch call (kubectl rollout status) waits for
        // them and cannot be stopped before they arrive.
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            if (feed.Expired)
            {
                await WriteEventAsync(context, "ERROR", ApiErrors.Status(410, "Expired", $"too old resource version: {since} ({feed.ResourceVersion})", null), timeout.Token);
                return;
            }

            bool Wanted(JsonObject obj) => labels.Matches(obj) && fields.Matches(obj);
            if (sendInitialEvents)
            {
                foreach (var item in feed.Items.Where(Wanted))
                {
                    await WriteEventAsync(context, "ADDED", form(item), timeout.Token);
                }

                if (initialEventsEndBookmark)
                {
                    await WriteEventAsync(context, "BOOKMARK", Bookmark(type, feed.ResourceVersion), timeout.Token);
                }
            }

            foreach (var change in feed.Replay.Where(change => Concerns(change, type, ns)))
            {
                await WriteChangeAsync(context, change, Wanted, form, timeout.Token);
            }

            await foreach (var change in feed.Changes.ReadAllAsync(timeout.Token))
            {
                if (Concerns(change, type, ns) && change.ResourceVersion > feed.ResourceVersion)
                {
                    await WriteChangeAsync(context, change, Wanted, form, timeout.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The watch timed out or the client went away: the stream simply ends, as the apiserver's does.
        }
    }

    /// <summary>
    /// Writes a change as the watcher sees it through its selectors: an object modified into the selection is
    /// ADDED, one modified out of it is DELETED, as the apiserver reports them.
    /// </summary>
    private static Task WriteChangeAsync(
        HttpContext context, StoredEvent change, Func<JsonObject, bool> wanted, Func<JsonObject, JsonObject> form, CancellationToken ct)
    {
        var wantedNow = wanted(change.Object);
        var wantedBefore = change is { Type: "MODIFIED", Previous: { } previous } ? wanted(previous) : wantedNow;
        var reported = (change.Type, wantedBefore, wantedNow) switch
        {
            ("MODIFIED", false, true) => "ADDED",
            ("MODIFIED", true, false) => "DELETED",
            (_, true, true) => change.Type,
            _ => null,
        };
        return reported is null ? Task.CompletedTask : WriteEventAsync(context, reported, form(change.Object), ct);
    }

    private static bool Concerns(StoredEvent change, ResourceType type, string? ns) =>
        change.GroupVersion == type.GroupVersion && change.Resource == type.Resource && (ns is null || change.Namespace == ns);

    private static JsonObject Bookmark(ResourceType type, long resourceVersion) => new()
    {
        ["kind"] = type.Kind,
        ["apiVersion"] = type.GroupVersion,
        ["metadata"] = new JsonObject
        {
            ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
            ["creationTimestamp"] = null,
            ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
        },
    };

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
