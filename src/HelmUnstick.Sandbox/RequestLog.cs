using System.Text.RegularExpressions;

namespace HelmUnstick.Sandbox;

/// <summary>One request the sandbox served: what was asked, and when it arrived and was answered (as positions in one sequence).</summary>
/// <param name="Arrived">Position in the log's sequence when the request arrived.</param>
/// <param name="Answered">Position when its answer was complete; null while it is being served (a watch until it ends).</param>
public sealed record ServedRequest(string Method, string Path, string Query, bool MetadataOnly, long Arrived, long? Answered);

/// <summary>
/// Every request the sandbox served, so that tests can pin how many requests a command makes (and how many of them had
/// to wait for one another) without timing anything. Arrival and answer are ordered by one counter, not a clock: a
/// request that arrived after another was answered may have depended on it.
/// </summary>
public sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<Slot> _requests = [];
    private long _sequence;

    /// <summary>The requests served since the log was last cleared, in order of arrival.</summary>
    public IReadOnlyList<ServedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests.Select(slot => slot.Request)];
            }
        }
    }

    /// <summary>How many requests with this method (or "*") had a path matching <paramref name="pathPattern"/> (a regular expression searched in the path).</summary>
    public int Count(string method = "*", string pathPattern = "") =>
        Requests.Count(r => (method == "*" || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)) && Regex.IsMatch(r.Path, pathPattern, RegexOptions.CultureInvariant));

    /// <summary>Counts by "METHOD path", e.g. <c>GET /api/v1/secrets</c>.</summary>
    public IReadOnlyDictionary<string, int> ByMethodAndPath() =>
        Requests.GroupBy(r => $"{r.Method} {r.Path}").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// The number of round trips on the longest chain of requests in which each one arrived after the one before it was
    /// answered: what a client paid in sequential latency. Requests in flight together count once. With a per-request
    /// latency (<see cref="SandboxOptions.Latency"/>) concurrent requests overlap even when the client is slow to send them.
    /// </summary>
    public int SequentialRoundTrips()
    {
        var requests = Requests;
        var depth = new int[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            depth[i] = 1;
            for (var j = 0; j < i; j++)
            {
                if (requests[j].Answered is { } answered && answered < requests[i].Arrived)
                {
                    depth[i] = Math.Max(depth[i], depth[j] + 1);
                }
            }
        }

        return depth.Length == 0 ? 0 : depth.Max();
    }

    /// <summary>Forgets every request served so far.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>The log as JSON, for <c>GET /sandbox/requests</c>: total, sequential round trips and counts by method and path.</summary>
    public JsonObject ToJson() => new()
    {
        ["total"] = Requests.Count,
        ["sequentialRoundTrips"] = SequentialRoundTrips(),
        ["byMethodAndPath"] = new JsonObject(ByMethodAndPath().Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
    };

    /// <summary>Records the request while <paramref name="serve"/> answers it.</summary>
    internal async Task RecordAsync(HttpContext context, Func<Task> serve)
    {
        var request = context.Request;
        Slot slot;
        lock (_gate)
        {
            slot = new Slot(new ServedRequest(
                request.Method,
                request.Path.Value ?? "/",
                request.QueryString.Value ?? "",
                request.Headers.Accept.ToString().Contains("as=PartialObjectMetadata", StringComparison.Ordinal),
                ++_sequence,
                null));
            _requests.Add(slot);
        }

        try
        {
            await serve();
        }
        finally
        {
            lock (_gate)
            {
                slot.Request = slot.Request with { Answered = ++_sequence };
            }
        }
    }

    /// <summary>A request's entry, completed in place when it is answered (a Clear meanwhile just drops it).</summary>
    private sealed class Slot(ServedRequest request)
    {
        public ServedRequest Request { get; set; } = request;
    }
}
