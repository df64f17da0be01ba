using System.Net;
using k8s.Autorest;

namespace HelmUnstick.Cli.Kube;

/// <summary>
/// Retries reads on 429 (honouring Retry-After), 5xx and timeouts, with backoff. Only reads: a delete or update
/// is never repeated blindly; the caller re-reads and decides.
/// </summary>
internal sealed class ReadRetry(int attempts = 4, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
{
    private readonly TimeSpan _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(250);
    private readonly TimeSpan _maxDelay = maxDelay ?? TimeSpan.FromSeconds(10);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read(ct);
            }
            catch (Exception e) when (attempt < attempts && !ct.IsCancellationRequested && Transient(e, out var retryAfter))
            {
                var backoff = retryAfter ?? TimeSpan.FromTicks(_baseDelay.Ticks * (1L << (attempt - 1)));
                await Task.Delay(backoff < _maxDelay ? backoff : _maxDelay, ct);
            }
        }
    }

    private static bool Transient(Exception e, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (e)
        {
            case HttpOperationException { Response: { } response }:
                var code = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.TooManyRequests || code >= 500)
                {
                    if (response.Headers.TryGetValue("Retry-After", out var values)
                        && int.TryParse(values.FirstOrDefault(), out var seconds))
                    {
                        retryAfter = TimeSpan.FromSeconds(seconds);
                    }

                    return true;
                }

                return false;
            case TaskCanceledException or TimeoutException:
                return true;
            case HttpRequestException { StatusCode: null } r:
                // A refused connection will not heal in a second; a reset or closed one may.
                return r.HttpRequestError is not HttpRequestError.ConnectionError;
            default:
                return false;
        }
    }
}
