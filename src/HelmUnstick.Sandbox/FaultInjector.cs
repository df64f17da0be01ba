using System.Text.RegularExpressions;

namespace HelmUnstick.Sandbox;

/// <summary>
/// Makes chosen requests misbehave: answer with a status code, wait, hang until released, lose the
/// connection, or serve the request and then lose the connection instead of answering. A rule matches an HTTP method ("*" for any) and a regular expression searched in the request
/// path, applies to the next <c>times</c> matching requests, and is removed by disposing it.
/// The first rule added that still applies wins.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];

    /// <summary>Answers the next <paramref name="times"/> matching requests with <paramref name="statusCode"/> and a Status body.</summary>
    /// <param name="message">The Status message, instead of the usual one for the code (an API server or proxy that echoes the request).</param>
    public FaultRule Respond(string method, string pathPattern, int statusCode, int times = 1, TimeSpan? retryAfter = null, string? message = null) =>
        Add(new FaultRule(this, method, pathPattern, times, FaultAction.Respond) { StatusCode = statusCode, RetryAfter = retryAfter, Message = message });

    /// <summary>Holds the next matching requests for <paramref name="delay"/> before serving them normally.</summary>
    public FaultRule Delay(string method, string pathPattern, TimeSpan delay, int times = int.MaxValue) =>
        Add(new FaultRule(this, method, pathPattern, times, FaultAction.Delay) { DelayBy = delay });

    /// <summary>Holds matching requests until the rule is released or disposed, or the client gives up; then serves them.</summary>
    public FaultRule Freeze(string method, string pathPattern, int times = int.MaxValue) =>
        Add(new FaultRule(this, method, pathPattern, times, FaultAction.Freeze));

    /// <summary>Aborts the connection of the next matching requests without an answer.</summary>
    public FaultRule Drop(string method, string pathPattern, int times = 1) =>
        Add(new FaultRule(this, method, pathPattern, times, FaultAction.Drop));

    /// <summary>
    /// Serves the next matching requests (a write takes effect) but aborts the connection instead of answering:
    /// the client cannot tell whether its request was applied.
    /// </summary>
    public FaultRule LoseResponse(string method, string pathPattern, int times = 1) =>
        Add(new FaultRule(this, method, pathPattern, times, FaultAction.LoseResponse));

    /// <summary>Removes every rule and releases every frozen request.</summary>
    public void Clear()
    {
        List<FaultRule> rules;
        lock (_gate)
        {
            rules = [.. _rules];
        }

        foreach (var rule in rules)
        {
            rule.Dispose();
        }
    }

    internal void Remove(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Remove(rule);
        }
    }

    private FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Applies the first matching rule; returns true when the request has been answered or dropped.</summary>
    /// <param name="serve">Serves the request normally (the rest of the pipeline).</param>
    internal async Task<bool> InterceptAsync(HttpContext context, Func<Task> serve)
    {
        FaultRule? rule;
        lock (_gate)
        {
            rule = _rules.FirstOrDefault(r => r.TryClaim(context.Request.Method, context.Request.Path.Value ?? "/"));
        }

        if (rule is null)
        {
            return false;
        }

        switch (rule.Action)
        {
            case FaultAction.Respond:
                if (rule.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await KubeJson.WriteAsync(context, rule.StatusCode, FaultStatus(rule.StatusCode, rule.RetryAfter, rule.Message));
                return true;
            case FaultAction.Delay:
                await Task.Delay(rule.DelayBy, context.RequestAborted);
                return false;
            case FaultAction.Freeze:
                await rule.Released.WaitAsync(context.RequestAborted);
                return false;
            case FaultAction.LoseResponse:
                // The answer goes nowhere; the connection is aborted before any byte of it is sent.
                context.Response.Body = Stream.Null;
                await serve();
                context.Abort();
                return true;
            default:
                context.Abort();
                return true;
        }
    }

    private static JsonObject FaultStatus(int code, TimeSpan? retryAfter, string? customMessage)
    {
        var (reason, message) = code switch
        {
            429 => ("TooManyRequests", "Too many requests, please try again later."),
            500 => ("InternalError", "Internal error occurred: injected fault"),
            503 => ("ServiceUnavailable", "the server is currently unable to handle the request"),
            504 => ("Timeout", "Timeout: request did not complete within the allotted timeout"),
            _ => ("InternalError", $"injected fault with status code {code}"),
        };
        var details = new JsonObject();
        if (retryAfter is { } delay)
        {
            details["retryAfterSeconds"] = (int)Math.Ceiling(delay.TotalSeconds);
        }

        return ApiErrors.Status(code, reason, customMessage ?? message, details);
    }
}

internal enum FaultAction
{
    Respond,
    Delay,
    Freeze,
    Drop,
    LoseResponse,
}

/// <summary>One fault rule. Dispose to remove it (which also releases requests it froze).</summary>
public sealed class FaultRule : IDisposable
{
    private readonly FaultInjector _owner;
    private readonly string _method;
    private readonly Regex _path;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstMatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;
    private int _matched;

    internal FaultRule(FaultInjector owner, string method, string pathPattern, int times, FaultAction action)
    {
        _owner = owner;
        _method = method;
        _path = new Regex(pathPattern, RegexOptions.CultureInvariant);
        _remaining = times;
        Action = action;
    }

    internal FaultAction Action { get; }

    internal int StatusCode { get; init; }

    internal string? Message { get; init; }

    internal TimeSpan? RetryAfter { get; init; }

    internal TimeSpan DelayBy { get; init; }

    internal Task Released => _released.Task;

    /// <summary>How many requests this rule has applied to.</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>Completes when the rule first applies to a request (for a frozen request: once it is held).</summary>
    public Task FirstMatch => _firstMatch.Task;

    /// <summary>Lets frozen requests continue and stops freezing new ones.</summary>
    public void Release()
    {
        Volatile.Write(ref _remaining, 0);
        _released.TrySetResult();
    }

    public void Dispose()
    {
        _owner.Remove(this);
        Release();
    }

    internal bool TryClaim(string method, string path)
    {
        if ((_method != "*" && !string.Equals(_method, method, StringComparison.OrdinalIgnoreCase)) || !_path.IsMatch(path))
        {
            return false;
        }

        if (_remaining <= 0)
        {
            return false;
        }

        if (_remaining != int.MaxValue)
        {
            _remaining--;
        }

        Interlocked.Increment(ref _matched);
        _firstMatch.TrySetResult();
        return true;
    }
}
