using System.Diagnostics;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>A write (DELETE or PUT) that fails.</summary>
public enum WriteFault
{
    ServerError503,
    TooManyRequests429,
    Timeout,
}

/// <summary>A read that fails for a while.</summary>
public enum ReadFault
{
    TooManyRequests429WithRetryAfter,
    ServerErrorBurst,
    Timeout,
}

/// <summary>A fault at one step of the engine's apply, injected by a failing store in front of the in-memory one.</summary>
public enum EngineFault
{
    None,
    ReReadFails,
    WriterBetweenPlanAndReRead,
    BackupUnwritable,
    WriterBetweenReReadAndWrite,
    WriteFails503,
    WriteTimesOut,
    WriteAnswerLost,
    VerificationReadFails,
}

/// <summary>
/// The fault matrix's rows and checks: a fault at one step of <c>fix</c> (or <c>restore</c>), for each strategy and storage
/// driver, and what the operator is left with: the exit code, the release object's exact state, the backup, the audit log
/// and the next step printed. Waits (backoff, Retry-After, timeouts) run on a fake clock; no row waits in real time.
/// The rows are split over several classes so that they run in parallel.
/// </summary>
internal static class FaultMatrix
{
    public const string Ns = "team-a";
    public const string Name = "sh.helm.release.v1.demo.v4";
    public const string ObjectPath = "^/api/v1/namespaces/team-a/secrets/sh\\.helm\\.release\\.v1\\.demo\\.v4$";
    public const string HistoryPath = "^/api/v1/namespaces/team-a/secrets$";
    public static readonly string[] SkipCi = ["--skip-ci-check", "--reason", "INC-7 matrix"];
    public static readonly TimeSpan AttemptTimeout = KubeRetry.DefaultRequestTimeout;

    /// <summary>The end-to-end rows, one per strategy: the sandbox fixtures hold the release as Secrets.</summary>
    public static TheoryData<RemediationStrategy> Rows() => [.. Enum.GetValues<RemediationStrategy>()];

    public static TheoryData<RemediationStrategy, WriteFault> WriteFaultRows => Rows<WriteFault>();

    public static TheoryData<RemediationStrategy, ReadFault> ReadFaultRows => Rows<ReadFault>();

    /// <summary>The rows run against the engine in memory: every driver, every strategy, every fault.</summary>
    public static TheoryData<StorageDriver, RemediationStrategy, EngineFault> EngineFaultRows
    {
        get
        {
            var rows = new TheoryData<StorageDriver, RemediationStrategy, EngineFault>();
            foreach (var driver in Enum.GetValues<StorageDriver>())
            {
                foreach (var (strategy, fault) in Pairs<RemediationStrategy, EngineFault>())
                {
                    rows.Add(driver, strategy, fault);
                }
            }

            return rows;
        }
    }

    /// <summary>Every strategy once for each fault.</summary>
    private static TheoryData<RemediationStrategy, TFault> Rows<TFault>()
        where TFault : struct, Enum
    {
        var rows = new TheoryData<RemediationStrategy, TFault>();
        foreach (var (strategy, fault) in Pairs<RemediationStrategy, TFault>())
        {
            rows.Add(strategy, fault);
        }

        return rows;
    }

    /// <summary>Every value of <typeparamref name="TA"/> with every value of <typeparamref name="TB"/>.</summary>
    private static IEnumerable<(TA, TB)> Pairs<TA, TB>()
        where TA : struct, Enum
        where TB : struct, Enum =>
        Enum.GetValues<TA>().SelectMany(a => Enum.GetValues<TB>().Select(b => (a, b)));

    /// <summary>
    /// Runs fix with <paramref name="rule"/> in place on a fake clock, skipping over backoff and Retry-After; a held
    /// request is given up on after one attempt's timeout.
    /// </summary>
    public static async Task<CliRun> FixThroughAsync(CliHarness cli, RetryClock clock, RemediationStrategy strategy, Sandbox.FaultRule rule, bool heldUntilTheAttemptTimesOut)
    {
        var running = cli.RunAsync(Fix(strategy));
        if (heldUntilTheAttemptTimesOut)
        {
            await rule.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
            clock.Advance(AttemptTimeout);
        }

        return await clock.SkipWaitsShorterThanAsync(AttemptTimeout, running);
    }

    public static Task<CliHarness> StartAsync() => CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

    public static string[] Fix(RemediationStrategy strategy) =>
        ["fix", "demo", "-n", Ns, "--strategy", strategy == RemediationStrategy.Delete ? "delete" : "mark-failed", .. SkipCi, "--apply", "--yes"];

    public static string WriteMethod(RemediationStrategy strategy) => strategy == RemediationStrategy.Delete ? "DELETE" : "PUT";

    public static string RestoreHint(string backup) => $"helm-unstick restore '{backup}' --context 'sandbox' --apply";

    public static RetryClock UseRetryClock(CliHarness cli)
    {
        var clock = new RetryClock(cli.Now);
        cli.Clock = clock;
        return clock;
    }

    public static JsonObject TouchedByAnotherWriter(CliHarness cli)
    {
        var secret = cli.Secret(Ns, Name)!;
        secret["metadata"]!["labels"]!["touched"] = "by-someone-else";
        cli.Server.Store.Upsert("v1", "secrets", secret);
        return cli.Secret(Ns, Name)!;
    }

    public static void AssertChanged(CliHarness cli, RemediationStrategy strategy)
    {
        var secret = cli.Secret(Ns, Name);
        if (strategy == RemediationStrategy.Delete)
        {
            Assert.Null(secret);
            return;
        }

        Assert.NotNull(secret);
        Assert.Equal("failed", (string?)secret["metadata"]!["labels"]!["status"]);
        Assert.Equal(ReleaseStatus.Failed, ReleaseCodec.DecodeApiJsonValue((string)secret["data"]!["release"]!).Status);
    }

    public static IReadOnlyList<string> Backups(CliHarness cli)
    {
        var dir = Path.Combine(cli.StateDirectory, "backups", "sandbox", Ns);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList() : [];
    }

    /// <summary>Exactly one backup, holding the Secret as it was before anything changed.</summary>
    public static string AssertOneExactBackup(CliHarness cli, JsonObject original)
    {
        var backup = Assert.Single(Backups(cli));
        var saved = JsonNode.Parse(File.ReadAllText(backup))!;
        Assert.Equal(
            (original["metadata"]!["uid"]!.ToJsonString(), original["metadata"]!["resourceVersion"]!.ToJsonString(), original["data"]!.ToJsonString(), original["metadata"]!["labels"]!.ToJsonString()),
            (saved["metadata"]!["uid"]!.ToJsonString(), saved["metadata"]!["resourceVersion"]!.ToJsonString(), saved["data"]!.ToJsonString(), saved["metadata"]!["labels"]!.ToJsonString()));
        return backup;
    }

    public static void AssertSameContent(JsonObject expected, JsonObject actual) =>
        Assert.Equal(
            (expected["type"]!.ToJsonString(), expected["data"]!.ToJsonString(), expected["metadata"]!["labels"]!.ToJsonString()),
            (actual["type"]!.ToJsonString(), actual["data"]!.ToJsonString(), actual["metadata"]!["labels"]!.ToJsonString()));

    public static IReadOnlyList<string> AuditOutcomes(CliHarness cli)
    {
        var path = Path.Combine(cli.StateDirectory, "audit.log");
        return File.Exists(path) ? File.ReadAllLines(path).Select(line => (string)JsonNode.Parse(line)!["outcome"]!).ToList() : [];
    }

    public static void AssertAudit(CliHarness cli, string outcomePattern) => Assert.Matches(outcomePattern, Assert.Single(AuditOutcomes(cli)));

    /// <summary>The run's stderr is exactly one <c>error:</c> line matching <paramref name="pattern"/>.</summary>
    public static void AssertErrorLine(CliRun run, string pattern) =>
        Assert.True(Regex.IsMatch(run.Err, $"\\Aerror: {pattern}\\n\\z"), $"stderr does not match {pattern}\n{run}");

    /// <summary>Running the same fix again after a fault succeeds and says <paramref name="says"/>.</summary>
    public static async Task AssertFixAgainSucceedsAsync(CliHarness cli, RemediationStrategy strategy, string says)
    {
        var again = await cli.RunAsync(Fix(strategy));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(says, again.Out);
    }

    public static async Task AssertFixAgainVerifiesAndRestoreIsExactAsync(CliHarness cli, RemediationStrategy strategy, JsonObject original, string backup, string fixAgainSays)
    {
        await AssertFixAgainSucceedsAsync(cli, strategy, fixAgainSays);
        AssertChanged(cli, strategy);

        var restore = await cli.RunAsync("restore", backup, "--apply", "--yes");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        AssertSameContent(original, cli.Secret(Ns, Name)!);
    }

    /// <summary>helm-unstick in a process of its own, so that it can be killed (SIGKILL) at a chosen step.</summary>
    public static Process StartChild(CliHarness cli, string[] args)
    {
        var start = new ProcessStartInfo(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The build of src/HelmUnstick.Cli, not the copy beside the tests (see ChildProcess.HelmUnstickDirectory).
        start.ArgumentList.Add(Path.Combine(Terminal.ChildProcess.HelmUnstickDirectory, "helm-unstick.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in cli.Environment)
        {
            start.Environment[name] = value;
        }

        var child = Process.Start(start)!;
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return child;
    }

    public static async Task KillAsync(Process child)
    {
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
