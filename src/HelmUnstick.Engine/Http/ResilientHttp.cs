using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace HelmUnstick.Engine.Http;

/// <summary>How patiently one API is asked.</summary>
/// <param name="MaxRetries">Retries after the first attempt; reads only.</param>
/// <param name="BaseDelay">The first backoff; it doubles per retry, with jitter.</param>
/// <param name="MaxDelay">Caps backoff and a server's Retry-After alike, so one 429 cannot consume the whole budget.</param>
/// <param name="AttemptTimeout">How long one attempt may take.</param>
/// <param name="TotalBudget">How long one request may take with all its retries; null when the caller bounds it.</param>
internal sealed record RetryPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan AttemptTimeout, TimeSpan? TotalBudget);

/// <summary>
/// The one resilience pipeline every API client uses (Kubernetes and GitLab): retries on 408, 429 (honouring
/// Retry-After up to the maximum delay), 5xx, timeouts and dropped connections, with exponential backoff and jitter, within a budget.
/// Only safe methods are retried: a DELETE, PUT, POST or PATCH may have been applied although its answer was lost,
/// so repeating it blindly could change what the caller never re-read.
/// </summary>
internal static class ResilientHttp
{
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(RetryPolicy policy, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (policy.TotalBudget is { } budget)
        {
            builder.AddTimeout(budget);
        }

        if (policy.MaxRetries > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = policy.MaxRetries,
                Delay = policy.BaseDelay,
                MaxDelay = policy.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = false,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, time) is { } wait
                    ? (TimeSpan?)(wait < policy.MaxDelay ? wait : policy.MaxDelay)
                    : null),
                ShouldHandle = args => ValueTask.FromResult(Transient(args.Outcome)),
            };
            retry.DisableForUnsafeHttpMethods();
            builder.AddRetry(retry);
        }

        return builder.AddTimeout(policy.AttemptTimeout).Build();
    }

    /// <summary>The pipeline as a handler, for clients that take a handler chain (KubernetesClient).</summary>
    public static DelegatingHandler Handler(RetryPolicy policy, TimeProvider time) => new ResilienceHandler(Pipeline(policy, time));

    /// <summary>The server's Retry-After (seconds or a date), read on the pipeline's clock; null without one.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time) => response?.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    // A refused connection will not heal within the backoff; a reset, dropped or timed-out one may.
    private static bool Transient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
        && HttpClientResiliencePredicates.IsTransient(outcome);
}
