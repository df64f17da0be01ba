using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Safety;

/// <summary>
/// Credentials are planted everywhere a run can pick them up: user info in the server URL, a bearer token, a basic-auth
/// password and a client key in the kubeconfig, an API error text that echoes the token, and Secret data in the live
/// cluster and in the release's manifests. Every output of every command (standard output and error, -o json, -v,
/// --show-values, reports, the audit log, backups) is then searched for them.
/// </summary>
public sealed class CredentialRedactionTests
{
    private const string UrlPassword = "url-Passw0rd-7c1e";
    private const string Token = "planted-token-5d0c9a7e3b";
    private const string BasicPassword = "basic-Passw0rd-41f2";
    private const string LiveSecretValue = "live-db-password-93ab";
    private const string ManifestSecretValue = "manifest-db-password-2e8f";
    private const string UserValue = "user-value-shown-with-show-values";

    [Fact]
    public async Task PlantedCredentials_AppearInNoOutputOfAnyCommand()
    {
        await using var cli = await CliHarness.StartAsync(new SandboxOptions
        {
            Scenario = Scenario.Load(Fixtures.StuckUpgradeStore),
            Users = new Dictionary<string, SandboxUser> { [Token] = SandboxUser.Admin("oncall") },
        });
        var clientKeyData = PlantKubeconfig(cli);
        PlantSecretData(cli);
        var planted = new[]
        {
            UrlPassword, $"admin:{UrlPassword}", Token, BasicPassword, clientKeyData,
            LiveSecretValue, Base64(LiveSecretValue), ManifestSecretValue, Base64(ManifestSecretValue + 3), Base64(ManifestSecretValue + 4),
        };
        var report = (string name) => Path.Combine(cli.Root, name);
        var runs = new List<(string Command, CliRun Run)>();
        async Task<CliRun> RunAsync(params string[] args)
        {
            var run = await cli.RunAsync(args);
            runs.Add((string.Join(' ', args), run));
            return run;
        }

        await RunAsync("scan", "-A");
        await RunAsync("scan", "-A", "-o", "json", "-v");
        var fleet = await RunAsync("scan", "-A", "--context", "sandbox,down");
        await RunAsync("scan", "-A", "--context", "sandbox,down", "-o", "json");
        await RunAsync("history", "demo", "-n", Ns, "-o", "json");
        await RunAsync("check", "demo", "-n", Ns, "-v");
        await RunAsync("check", "demo", "-n", Ns, "-o", "json");
        var explain = await RunAsync("explain", "demo", "-n", Ns, "--show-values", "-v", "--report", report("explain.md"));
        await RunAsync("explain", "demo", "-n", Ns, "--show-values", "-o", "json");
        await RunAsync("fix", "demo", "-n", Ns, "--show-values", "-v");
        using (cli.Server.Faults.Respond("DELETE", ObjectPath, 500, message: $"Internal error occurred: webhook saw 'Authorization: Bearer {Token}'"))
        {
            var echoed = await RunAsync(["fix", "demo", "-n", Ns, .. SkipCi, "--apply", "--yes", "-o", "json", "--report", report("failed-fix.md")]);
            Assert.True(echoed.ExitCode == 3, echoed.ToString());
            Assert.Contains("webhook saw 'Authorization: Bearer [redacted]'", echoed.Out);
        }

        using (cli.Server.Faults.Respond("GET", "/secrets", 500, times: int.MaxValue, message: $"proxy could not forward to http://admin:{UrlPassword}@10.0.0.1 with token {Token}"))
        {
            var echoed = await RunAsync("history", "demo", "-n", Ns);
            Assert.Equal("error: the API server http://127.0.0.1:" + cli.Server.BaseAddress.Port + " (context sandbox) answered 500 Internal Server Error while reading the revisions of release demo in namespace team-a: " +
                         "proxy could not forward to http://10.0.0.1 with token [redacted]\n", echoed.Err);
        }

        var fix = await RunAsync(["fix", "demo", "-n", Ns, .. SkipCi, "--apply", "--yes", "--show-values", "-v", "--report", report("fix.md")]);
        Assert.True(fix.ExitCode == 0, fix.ToString());
        var backup = Backups(cli).Last();
        await RunAsync("restore", backup);
        await RunAsync("restore", backup, "--apply", "--yes");
        cli.SetEnvironment("KUBECONFIG", Path.Combine(cli.Root, "down-only"));
        await File.WriteAllTextAsync(Path.Combine(cli.Root, "down-only"), (await File.ReadAllTextAsync(cli.Kubeconfig)).Replace("current-context: sandbox", "current-context: down"));
        var down = await RunAsync("check", "demo", "-n", Ns);

        // The runs did what they are for, so the search below has something to search.
        Assert.Matches($"^error: cannot reach the API server http://127.0.0.1:\\d+ \\(context down\\) while reading the revisions of release demo in namespace team-a: .+\\n\\z", down.Err);
        Assert.Contains("down", fleet.Out + fleet.Err);
        Assert.Contains(UserValue, explain.Out);
        Assert.Contains("demo-db", explain.Out);
        var files = new[] { report("explain.md"), report("failed-fix.md"), report("fix.md"), Path.Combine(cli.StateDirectory, "audit.log") }
            .Concat(Backups(cli))
            .Select(path => (Command: path, Text: File.ReadAllText(path)));
        var audit = File.ReadAllLines(Path.Combine(cli.StateDirectory, "audit.log"));
        Assert.True(audit.Length == 3, string.Join("\n", audit) + string.Join("\n", runs.Select(r => r.Command + "\n" + r.Run)));
        var outputs = runs.SelectMany(r => new (string Command, string Text)[] { ($"{r.Command} (stdout)", r.Run.Out), ($"{r.Command} (stderr)", r.Run.Err) }).Concat(files).ToList();
        var found = outputs.SelectMany(o => planted.Where(p => o.Text.Contains(p, StringComparison.Ordinal)).Select(p => $"{p} in {o.Command}")).ToList();
        Assert.Empty(found);
    }

    /// <summary>
    /// A kubeconfig whose server URL carries user info, whose user has a token, a basic-auth password and a client
    /// certificate and key; a second context points at a port nobody listens on. Returns the client key as written.
    /// </summary>
    private static string PlantKubeconfig(CliHarness cli)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=oncall", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var keyData = Base64(key.ExportRSAPrivateKeyPem());
        var port = cli.Server.BaseAddress.Port;
        File.WriteAllText(cli.Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: http://admin:{UrlPassword}@127.0.0.1:{port}
            - name: down
              cluster:
                server: http://admin:{UrlPassword}@127.0.0.1:1
            contexts:
            - name: sandbox
              context: {"{"}cluster: sandbox, user: oncall, namespace: team-a{"}"}
            - name: down
              context: {"{"}cluster: down, user: oncall, namespace: team-a{"}"}
            current-context: sandbox
            users:
            - name: oncall
              user:
                token: {Token}
                username: oncall
                password: {BasicPassword}
                client-certificate-data: {Base64(certificate.ExportCertificatePem())}
                client-key-data: {keyData}
            """);
        return keyData;
    }

    /// <summary>A Secret in both revisions' manifests (and so in the cluster), and a user value that --show-values may print.</summary>
    private static void PlantSecretData(CliHarness cli)
    {
        foreach (var revision in new[] { 3, 4 })
        {
            cli.EditRelease(Ns, "demo", revision, release =>
            {
                release["manifest"] = (string)release["manifest"]! +
                    $"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: demo-db\ndata:\n  password: {Base64(ManifestSecretValue + revision)}\n";
                release["config"] = new JsonObject { ["greeting"] = UserValue + revision };
            });
        }

        cli.Server.Store.Upsert("v1", "secrets", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "demo-db", ["namespace"] = Ns },
            ["data"] = new JsonObject { ["password"] = Base64(LiveSecretValue) },
        });
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
