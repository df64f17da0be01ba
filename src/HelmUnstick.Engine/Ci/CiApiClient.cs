using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HelmUnstick.Core.Ci;
using HelmUnstick.Engine.Http;
using HelmUnstick.Engine.Wording;
using Polly.Timeout;

namespace HelmUnstick.Engine.Ci;

/// <summary>A CI API failure already worded as the one line the operator sees; it never contains the token.</summary>
internal sealed class CiProblem(string message) : Exception(message);

/// <summary>The answer to one question put to a CI API within its budget: a value, or the one line saying why not.</summary>
internal readonly record struct CiAnswer<T>(T? Value, string? Problem);

/// <summary>Where a CI API is and how it is spoken to: its base URL, its token header and how it words a refusal.</summary>
/// <param name="Product">GitLab or GitHub, as failure lines name it.</param>
/// <param name="Url">The instance as the operator configured it, e.g. <c>https://ops.gitlab.net</c>.</param>
/// <param name="ApiPath">Where the API lives under the instance (<c>api/v4/</c> on GitLab, the root on GitHub).</param>
/// <param name="CaFileFlag">The flag that passes <paramref name="CaFile"/>, for the TLS failure line.</param>
/// <param name="HasToken">Whether a token is sent, for the 401 line.</param>
/// <param name="TokenFileFlag">The flag that passes a token file, for the 401 line without a token.</param>
/// <param name="TokenVariable">The variable that holds the token, for the 401 line without a token.</param>
/// <param name="JsonTypes">The source-generated JSON types of the API's answers (snake_case, as both APIs write).</param>
/// <param name="Authorize">Adds the token to every request (never validated: a validation error would quote it).</param>
/// <param name="DescribeOwn">
/// The product's own line for a refused request for <c>what</c> (its permissions, its rate limits); null where the
/// wording every CI API shares applies.
/// </param>
internal sealed record CiApiEndpoint(
    string Product,
    Uri Url,
    string ApiPath,
    string? CaFile,
    string CaFileFlag,
    bool HasToken,
    string TokenFileFlag,
    string TokenVariable,
    IJsonTypeInfoResolver JsonTypes,
    Action<HttpRequestHeaders> Authorize,
    Func<HttpResponseMessage, string, string?> DescribeOwn)
{
    /// <summary>The instance as failure lines name it: the configured URL without query or trailing slash.</summary>
    public string Instance { get; } = Url.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public Uri ApiBase => new(Instance + "/" + ApiPath);
}

/// <summary>
/// The HTTP side shared by the CI sources (GitLab, GitHub): one resilient client (reads retried, writes never),
/// no redirects (the token would be replayed to wherever they point), a private CA when configured, Link-header
/// paging that never leaves the API's host, and every failure turned into one line within a time budget.
/// </summary>
internal sealed class CiApiClient : IDisposable
{
    private readonly CiApiEndpoint _endpoint;
    private readonly GitLabHttpOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly JsonSerializerOptions _json;

    /// <param name="transport">The innermost handler; tests pass their own, otherwise sockets with the configured CA.</param>
    /// <param name="time">The clock for backoff, Retry-After and timeouts.</param>
    public CiApiClient(CiApiEndpoint endpoint, GitLabHttpOptions? options, HttpMessageHandler? transport, TimeProvider? time)
    {
        _endpoint = endpoint;
        _options = options ?? new GitLabHttpOptions();
        _time = time ?? TimeProvider.System;
        _json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = endpoint.JsonTypes };

        // The whole question has one budget (AskAsync), so each request has none of its own.
        var policy = new RetryPolicy(_options.MaxRetries, _options.RetryBaseDelay, _options.MaxRetryDelay, _options.AttemptTimeout, TotalBudget: null);
        var resilience = ResilientHttp.Handler(policy, _time);
        resilience.InnerHandler = transport ?? CreateTransport(endpoint.CaFile, endpoint.CaFileFlag);
        _http = new HttpClient(resilience) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("helm-unstick");
        endpoint.Authorize(_http.DefaultRequestHeaders);
    }

    public GitLabHttpOptions Options => _options;

    /// <summary>The instance as failure lines name it.</summary>
    public string Instance => _endpoint.Instance;

    /// <summary>Runs <paramref name="body"/> within the total budget; every failure but the caller's cancellation becomes the answer's problem.</summary>
    public async Task<CiAnswer<T>> AskAsync<T>(Func<CancellationToken, Task<T>> body, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(_options.TotalBudget, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            return new(await body(budget.Token), null);
        }
        catch (CiProblem problem)
        {
            return new(default, problem.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(default, $"no complete answer within the {Durations.Describe(_options.TotalBudget)} time budget");
        }
        catch (TimeoutRejectedException)
        {
            return new(default, $"no answer within {Durations.Describe(_options.AttemptTimeout)} after {_options.MaxRetries + 1} attempts");
        }
        catch (HttpRequestException e)
        {
            return new(default, DescribeTransportFailure(e));
        }
    }

    /// <summary>
    /// A source's answer to "is anything deploying?": what <paramref name="decide"/> makes of the facts
    /// <paramref name="fetch"/> gathers within the budget, or Unavailable with the one line that says why not.
    /// </summary>
    public async Task<CiSourceReport> ReportAsync<TFacts>(
        string sourceName, IReadOnlyList<string> projects, Func<CancellationToken, Task<TFacts>> fetch, Func<TFacts, IReadOnlyList<CiActivity>> decide, CancellationToken ct)
    {
        var answer = await AskAsync(fetch, ct);
        return answer.Problem is { } problem
            ? CiSourceReport.Unavailable(sourceName, projects, problem)
            : CiSourceReport.FromActivities(sourceName, projects, decide(answer.Value!));
    }

    public async Task<T> GetAsync<T>(string relative, string what, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri(_endpoint.ApiBase, relative), ct);
        EnsureSuccess(response, what);
        return await ReadJsonAsync<T>(response, what, ct);
    }

    /// <summary>Every page, following <c>Link: rel="next"</c>, else GitLab's <c>x-next-page</c>.</summary>
    public async Task<List<T>> GetAllAsync<T>(string relative, string what, CancellationToken ct) =>
        await GetAllAsync<List<T>, T>(relative, what, page => page, ct);

    /// <summary>Every page of an answer that wraps its items (GitHub's <c>{"workflow_runs": [...]}</c>).</summary>
    public async Task<List<T>> GetAllAsync<TPage, T>(string relative, string what, Func<TPage, IEnumerable<T>> items, CancellationToken ct)
    {
        var all = new List<T>();
        Uri? next = new(_endpoint.ApiBase, $"{relative}{(relative.Contains('?', StringComparison.Ordinal) ? '&' : '?')}per_page={_options.PerPage}");
        while (next is not null)
        {
            using var response = await _http.GetAsync(next, ct);
            EnsureSuccess(response, what);
            all.AddRange(items(await ReadJsonAsync<TPage>(response, what, ct)));
            next = NextPage(response, next);
        }

        return all;
    }

    /// <summary>A POST, sent once: its answer may be lost after it took effect, so it is never repeated.</summary>
    public async Task<T> PostAsync<T>(string relative, string what, CancellationToken ct)
    {
        using var response = await _http.PostAsync(new Uri(_endpoint.ApiBase, relative), content: null, ct);
        EnsureSuccess(response, what);
        return await ReadJsonAsync<T>(response, what, ct);
    }

    public void Dispose() => _http.Dispose();

    private void EnsureSuccess(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new CiProblem(response.StatusCode is >= HttpStatusCode.Redirect and < HttpStatusCode.BadRequest
                ? $"{_endpoint.Instance} redirected the request for {what} to {response.Headers.Location?.GetLeftPart(UriPartial.Authority) ?? "elsewhere"} ({(int)response.StatusCode}): pass the final {_endpoint.Product} URL"
                : _endpoint.DescribeOwn(response, what) ?? DescribeRefusal(response, what));
        }
    }

    /// <summary>The wording every CI API shares for a refused request.</summary>
    private string DescribeRefusal(HttpResponseMessage response, string what)
    {
        string instance = _endpoint.Instance;
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized when !_endpoint.HasToken =>
                $"{instance} requires a token (401): set {_endpoint.TokenVariable} or pass {_endpoint.TokenFileFlag}",
            HttpStatusCode.Unauthorized => $"{instance} rejected the token (401): it is invalid or expired",
            HttpStatusCode.NotFound => $"{what} not found on {instance} (404)",
            >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout =>
                $"{instance} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what} after {_options.MaxRetries + 1} attempts",
            _ => $"{instance} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}",
        };
    }

    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string what, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync((JsonTypeInfo<T>)_json.GetTypeInfo(typeof(T)), ct) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new CiProblem($"the answer for {what} is not the JSON {_endpoint.Product} sends (is the URL a {_endpoint.Product} instance?)");
        }
    }

    private Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (response.Headers.TryGetValues("Link", out var links))
        {
            foreach (string link in links.SelectMany(l => l.Split(',')))
            {
                var parts = link.Split(';', StringSplitOptions.TrimEntries);
                if (parts.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next") &&
                    parts[0].StartsWith('<') && parts[0].EndsWith('>') &&
                    Uri.TryCreate(parts[0][1..^1], UriKind.Absolute, out var nextUri) &&
                    // The token goes with every request: never follow a link to another host.
                    Uri.Compare(nextUri, _endpoint.ApiBase, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    return nextUri;
                }
            }
        }

        if (response.Headers.TryGetValues("x-next-page", out var nextPages) &&
            nextPages.FirstOrDefault()?.Trim() is { Length: > 0 } page && int.TryParse(page, out int pageNumber))
        {
            var query = current.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Where(p => !p.StartsWith("page=", StringComparison.Ordinal))
                .Append($"page={pageNumber}");
            return new UriBuilder(current) { Query = string.Join("&", query) }.Uri;
        }

        return null;
    }

    private string DescribeTransportFailure(HttpRequestException e)
    {
        string host = _endpoint.ApiBase.Authority;
        bool tls = e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;
        return e.HttpRequestError switch
        {
            _ when tls =>
                $"TLS handshake with {host} failed: the certificate is not trusted{(_endpoint.CaFile is null ? $" (pass {_endpoint.CaFileFlag} or set ca_file)" : $" by {_endpoint.CaFile}")}",
            HttpRequestError.NameResolutionError => $"cannot resolve host {_endpoint.ApiBase.Host}",
            HttpRequestError.ConnectionError => $"cannot reach {host}: {FirstLine(e.InnerException?.Message ?? e.Message)}",
            _ => $"request to {host} failed: {FirstLine(e.Message)}",
        };
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static HttpMessageHandler CreateTransport(string? caFile, string caFileFlag)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), AllowAutoRedirect = false };
        if (caFile is not null)
        {
            var trusted = LoadCertificates(caFile, caFileFlag);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    private static X509Certificate2Collection LoadCertificates(string caFile, string caFileFlag)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CiConfigException($"{caFileFlag} {caFile}: cannot load PEM certificates: {FirstLine(e.Message)}");
        }

        return certificates.Count > 0
            ? certificates
            : throw new CiConfigException($"{caFileFlag} {caFile}: no PEM certificate in the file");
    }
}
