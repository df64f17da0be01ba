using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HelmUnstick.Engine.Http;
using HelmUnstick.Engine.Wording;
using System.Text.Json.Serialization.Metadata;
using HelmUnstick.Core.Ci;
using Polly.Timeout;

namespace HelmUnstick.Engine.Ci;

/// <summary>
/// Asks one GitLab instance (REST v4) for active deployments, jobs and pipelines in the mapped projects and
/// decides with <see cref="CiActivityRules"/>. Any failure becomes an Unavailable report with one line that
/// never contains the token.
/// </summary>
public sealed class GitLabCiSource : ICiActivitySource, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = GitLabJsonContext.Default };
    private static readonly string[] JobScopes = ["running", "pending", "waiting_for_resource"];

    private readonly GitLabSourceSettings _settings;
    private readonly GitLabHttpOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _apiBase;
    private readonly TimeProvider _time;

    /// <param name="transport">The innermost handler; tests pass their own, otherwise sockets with the configured CA.</param>
    /// <param name="time">The clock for backoff, Retry-After and timeouts.</param>
    public GitLabCiSource(GitLabSourceSettings settings, GitLabHttpOptions? options = null, HttpMessageHandler? transport = null, TimeProvider? time = null)
    {
        _settings = settings;
        _options = options ?? new GitLabHttpOptions();
        _time = time ?? TimeProvider.System;
        _apiBase = new Uri(settings.Url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/v4/");

        // The whole check has one budget (CheckAsync), so each request has none of its own.
        var policy = new RetryPolicy(_options.MaxRetries, _options.RetryBaseDelay, _options.MaxRetryDelay, _options.AttemptTimeout, TotalBudget: null);
        var resilience = ResilientHttp.Handler(policy, _time);
        resilience.InnerHandler = transport ?? CreateTransport(settings.CaFile);
        _http = new HttpClient(resilience) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("helm-unstick");
        if (settings.Token is { } token)
        {
            // Without validation: a validation error message would quote the value.
            _http.DefaultRequestHeaders.TryAddWithoutValidation("PRIVATE-TOKEN", token.Reveal());
        }
    }

    public string Name => _settings.Name;

    public async Task<CiSourceReport> CheckAsync(CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(_options.TotalBudget, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            var facts = await FetchFactsAsync(budget.Token);
            return CiSourceReport.FromActivities(Name, _settings.Projects, CiActivityRules.Decide(_settings.Scope, facts));
        }
        catch (GitLabProblem problem)
        {
            return Unavailable(problem.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Unavailable($"no complete answer within the {Durations.Describe(_options.TotalBudget)} time budget");
        }
        catch (TimeoutRejectedException)
        {
            return Unavailable($"no answer within {Durations.Describe(_options.AttemptTimeout)} after {_options.MaxRetries + 1} attempts");
        }
        catch (HttpRequestException e)
        {
            return Unavailable(DescribeTransportFailure(e));
        }
    }

    public void Dispose() => _http.Dispose();

    private CiSourceReport Unavailable(string problem) => CiSourceReport.Unavailable(Name, _settings.Projects, problem);

    private async Task<CiFacts> FetchFactsAsync(CancellationToken ct)
    {
        var deployments = new List<CiDeploymentFact>();
        var jobs = new Dictionary<long, CiJobFact>();
        var pipelines = new List<CiPipelineFact>();
        var environmentsFound = new HashSet<string>(StringComparer.Ordinal);

        foreach (string project in _settings.Projects)
        {
            string id = Uri.EscapeDataString(project);
            var gitLabProject = await GetAsync<GitLabProject>($"projects/{id}", $"project '{project}'", ct);

            foreach (string environment in _settings.Scope.Environments)
            {
                var found = await GetAllAsync<GitLabEnvironment>(
                    $"projects/{id}/environments?name={Uri.EscapeDataString(environment)}", $"environments of project '{project}'", ct);
                if (found.Any(e => e.Name == environment))
                {
                    environmentsFound.Add(environment);
                }

                foreach (string status in CiActivityRules.ActiveDeploymentStatuses)
                {
                    var page = await GetAllAsync<GitLabDeployment>(
                        $"projects/{id}/deployments?environment={Uri.EscapeDataString(environment)}&status={status}",
                        $"deployments of project '{project}'",
                        ct);
                    deployments.AddRange(page.Select(d => ToFact(project, gitLabProject, d, environment)));
                }
            }

            string scopes = string.Join("&", JobScopes.Select(s => $"scope[]={s}"));
            foreach (var job in await GetAllAsync<GitLabJob>($"projects/{id}/jobs?{scopes}", $"jobs of project '{project}'", ct))
            {
                jobs[job.Id] = ToFact(project, gitLabProject, job, resourceGroup: null);
            }

            foreach (var group in await GetAllAsync<GitLabResourceGroup>($"projects/{id}/resource_groups", $"resource groups of project '{project}'", ct))
            {
                var upcoming = await GetAllAsync<GitLabJob>(
                    $"projects/{id}/resource_groups/{Uri.EscapeDataString(group.Key)}/upcoming_jobs",
                    $"resource group '{group.Key}' of project '{project}'",
                    ct);
                foreach (var job in upcoming)
                {
                    jobs[job.Id] = ToFact(project, gitLabProject, job, group.Key);
                }
            }

            foreach (string status in CiActivityRules.ActivePipelineStatuses)
            {
                var page = await GetAllAsync<GitLabPipeline>($"projects/{id}/pipelines?status={status}", $"pipelines of project '{project}'", ct);
                pipelines.AddRange(page.Select(p => new CiPipelineFact(
                    project, p.Id, p.Status, p.Ref, p.WebUrl ?? $"{gitLabProject.WebUrl}/-/pipelines/{p.Id}")));
            }
        }

        var missing = _settings.Scope.Environments.Where(e => !environmentsFound.Contains(e)).ToList();
        if (missing.Count > 0)
        {
            throw new GitLabProblem(
                $"environment '{missing[0]}' not found in project{(_settings.Projects.Count > 1 ? "s" : "")} {string.Join(", ", _settings.Projects.Select(p => $"'{p}'"))} (404)");
        }

        return new CiFacts(deployments, jobs.Values.OrderBy(j => j.Id).ToList(), pipelines);
    }

    private static CiDeploymentFact ToFact(string project, GitLabProject gitLabProject, GitLabDeployment deployment, string environment) =>
        new(
            project,
            deployment.Id,
            deployment.Status,
            deployment.Environment?.Name ?? environment,
            deployment.Ref,
            deployment.Deployable?.Id,
            deployment.Deployable?.Name,
            deployment.Environment is { } e ? $"{gitLabProject.WebUrl}/-/environments/{e.Id}" : $"{gitLabProject.WebUrl}/-/environments");

    private static CiJobFact ToFact(string project, GitLabProject gitLabProject, GitLabJob job, string? resourceGroup) =>
        new(project, job.Id, job.Name, job.Status, job.Ref, job.WebUrl ?? $"{gitLabProject.WebUrl}/-/jobs/{job.Id}", resourceGroup);

    private async Task<T> GetAsync<T>(string relative, string what, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri(_apiBase, relative), ct);
        await EnsureSuccessAsync(response, what);
        return await ReadJsonAsync<T>(response, what, ct);
    }

    /// <summary>Follows GitLab paging: the <c>Link: rel="next"</c> header, else <c>x-next-page</c>.</summary>
    private async Task<List<T>> GetAllAsync<T>(string relative, string what, CancellationToken ct)
    {
        var items = new List<T>();
        Uri? next = new(_apiBase, $"{relative}{(relative.Contains('?', StringComparison.Ordinal) ? '&' : '?')}per_page={_options.PerPage}");
        while (next is not null)
        {
            using var response = await _http.GetAsync(next, ct);
            await EnsureSuccessAsync(response, what);
            items.AddRange(await ReadJsonAsync<List<T>>(response, what, ct));
            next = NextPage(response, next);
        }

        return items;
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
                    Uri.Compare(nextUri, _apiBase, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
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

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string instance = _settings.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        throw new GitLabProblem(response.StatusCode switch
        {
            HttpStatusCode.Unauthorized when _settings.Token is null =>
                $"{instance} requires a token (401): set {GitLabToken.EnvironmentVariable} or pass --gitlab-token-file",
            HttpStatusCode.Unauthorized =>
                $"{instance} rejected the token (401): it is invalid or expired",
            HttpStatusCode.Forbidden =>
                $"the token may not read {what} (403): it needs the read_api scope and access to the project",
            HttpStatusCode.NotFound =>
                $"{what} not found on {instance} (404)",
            HttpStatusCode.TooManyRequests =>
                $"{instance} kept rate-limiting the requests for {what} (429) after {_options.MaxRetries + 1} attempts",
            >= HttpStatusCode.Redirect and < HttpStatusCode.BadRequest =>
                $"{instance} redirected the request for {what} to {response.Headers.Location?.GetLeftPart(UriPartial.Authority) ?? "elsewhere"} ({(int)response.StatusCode}): pass the final GitLab URL",
            >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout =>
                $"{instance} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what} after {_options.MaxRetries + 1} attempts",
            _ => $"{instance} answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}",
        });
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string what, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync((JsonTypeInfo<T>)Json.GetTypeInfo(typeof(T)), ct) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new GitLabProblem($"the answer for {what} is not the JSON GitLab sends (is the URL a GitLab instance?)");
        }
    }

    private string DescribeTransportFailure(HttpRequestException e)
    {
        string host = _settings.Url.Authority;
        bool tls = e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;
        return e.HttpRequestError switch
        {
            _ when tls =>
                $"TLS handshake with {host} failed: the certificate is not trusted{(_settings.CaFile is null ? " (pass --gitlab-ca-file or set ca_file)" : $" by {_settings.CaFile}")}",
            HttpRequestError.NameResolutionError => $"cannot resolve host {_settings.Url.Host}",
            HttpRequestError.ConnectionError => $"cannot reach {host}: {FirstLine(e.InnerException?.Message ?? e.Message)}",
            _ => $"request to {host} failed: {FirstLine(e.Message)}",
        };
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static HttpMessageHandler CreateTransport(string? caFile)
    {
        // No redirects: the PRIVATE-TOKEN header would be replayed to wherever the redirect points.
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), AllowAutoRedirect = false };
        if (caFile is not null)
        {
            var trusted = LoadCertificates(caFile);
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

    private static X509Certificate2Collection LoadCertificates(string caFile)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CiConfigException($"--gitlab-ca-file {caFile}: cannot load PEM certificates: {FirstLine(e.Message)}");
        }

        return certificates.Count > 0
            ? certificates
            : throw new CiConfigException($"--gitlab-ca-file {caFile}: no PEM certificate in the file");
    }

    /// <summary>A failure already worded as the one line the operator sees.</summary>
    private sealed class GitLabProblem(string message) : Exception(message);
}
