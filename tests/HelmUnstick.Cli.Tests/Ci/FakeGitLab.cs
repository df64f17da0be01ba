using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace HelmUnstick.Cli.Tests.Ci;

/// <summary>A GitLab on loopback answering like the documented REST v4 API; unmapped calls answer an empty page.</summary>
internal sealed class FakeGitLab : IDisposable
{
    public const string Token = "glpat-TOPSECRET-token-value";
    public const string Project = "12";

    /// <param name="certificate">When given, the server speaks HTTPS with it.</param>
    public FakeGitLab(X509Certificate2? certificate = null)
    {
        Server = WireMockServer.Start(certificate is null
            ? new WireMockServerSettings()
            : new WireMockServerSettings { UseSSL = true, CertificateSettings = new WireMockCertificateSettings { X509Certificate = certificate } });
        Server.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/api/v4/projects/*")).UsingGet())
            .AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));
        Answer("/api/v4/projects/12", ProjectJson(12, "gitlab-com/gl-infra/k8s-workloads/gitlab-com"), priority: 50);
        Answer("/api/v4/projects/12/environments", """[{"id": 31, "name": "gprd", "slug": "gprd", "external_url": "https://gitlab.com", "state": "available"}]""", priority: 50);
    }

    public WireMockServer Server { get; }

    public Uri Url => new(Server.Urls[0]);

    public static string ProjectJson(long id, string path) => JsonSerializer.Serialize(new
    {
        id,
        name = path.Split('/')[^1],
        path_with_namespace = path,
        default_branch = "master",
        web_url = $"https://ops.example.com/{path}",
    });

    public static string JobJson(long id, string name, string status = "running") => $$"""
        {"id": {{id}}, "name": "{{name}}", "stage": "deploy", "status": "{{status}}", "ref": "master", "tag": false,
         "created_at": "2026-11-24T15:59:01.000Z", "started_at": "2026-11-24T16:00:01.000Z", "finished_at": null,
         "duration": 120.5, "user": {"id": 1, "username": "ops-bot"},
         "pipeline": {"id": 900, "project_id": 12, "ref": "master", "sha": "abc123", "status": "running",
                      "web_url": "https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/pipelines/900"},
         "web_url": "https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/jobs/{{id}}"}
        """;

    public static string DeploymentJson(long id, string environment, long environmentId, long jobId, string jobName, string status = "running") => $$"""
        {"id": {{id}}, "iid": {{id}}, "ref": "master", "sha": "abc123", "status": "{{status}}",
         "created_at": "2026-11-24T16:00:00.000Z", "updated_at": "2026-11-24T16:00:05.000Z",
         "user": {"id": 1, "username": "ops-bot"},
         "environment": {"id": {{environmentId}}, "name": "{{environment}}", "external_url": "https://gitlab.com"},
         "deployable": {{JobJson(jobId, jobName, status == "created" ? "pending" : "running")}}}
        """;

    public static string PipelineJson(long id, string status = "running") => $$"""
        {"id": {{id}}, "iid": {{id}}, "project_id": 12, "status": "{{status}}", "source": "push", "ref": "master", "sha": "abc123",
         "created_at": "2026-11-24T15:59:00.000Z", "updated_at": "2026-11-24T16:00:00.000Z",
         "web_url": "https://ops.example.com/gitlab-com/gl-infra/k8s-workloads/gitlab-com/-/pipelines/{{id}}"}
        """;

    public void Answer(
        string path,
        string body,
        int status = 200,
        int priority = 10,
        IDictionary<string, string>? parameters = null,
        IDictionary<string, string>? headers = null,
        TimeSpan? delay = null)
    {
        var request = Request.Create().WithPath(path).UsingGet();
        foreach (var (name, value) in parameters ?? new Dictionary<string, string>())
        {
            request = request.WithParam(name, value);
        }

        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            response = response.WithHeader(name, value);
        }

        if (delay is { } d)
        {
            response = response.WithDelay(d);
        }

        Server.Given(request).AtPriority(priority).RespondWith(response);
    }

    public void Dispose() => Server.Stop();

    /// <summary>A self-signed certificate for localhost and 127.0.0.1 that is its own root.</summary>
    public static X509Certificate2 CreateLoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
