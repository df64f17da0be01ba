namespace HelmUnstick.Cli.Tests.Commands;

public sealed class FixCommandTests
{
    private static readonly string[] SkipCi = ["--skip-ci-check", "--reason", "INC-1234 no CI source in tests"];

    private static string[] Fix(params string[] extra) => ["fix", "demo", "-n", "team-a", .. extra];

    private static HelmRelease Payload(JsonObject secret) =>
        ReleaseCodec.DecodeApiJsonValue((string)secret["data"]!["release"]!);

    /// <summary>
    /// <c>fix --apply --yes</c> with <paramref name="flags"/> is blocked by a check: exit 1, the output says each of
    /// <paramref name="says"/>, and nothing on the cluster changed.
    /// </summary>
    private static async Task AssertApplyIsBlockedAsync(CliHarness cli, string[] flags, params string[] says)
    {
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(Fix([.. flags, "--apply", "--yes"]));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.All(says, line => Assert.Contains(line, run.Out));
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
    }

    [Fact]
    public async Task Fix_WithoutApply_PrintsThePlanAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var before = cli.Server.Store.ResourceVersion;

        var run = await cli.RunAsync(Fix(SkipCi));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("delete Secret team-a/sh.helm.release.v1.demo.v4 (revision 4, pending-upgrade) with preconditions uid=", run.Out);
        Assert.Contains("the next helm upgrade creates revision 4 and diffs against revision 3's manifest", run.Out);
        Assert.Contains("Dry run: nothing was changed", run.Out);
        Assert.Equal(before, cli.Server.Store.ResourceVersion);
        Assert.NotNull(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
    }

    [Fact]
    public async Task Fix_ApplyDelete_BacksUpDeletesVerifiesAndAudits()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var original = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;

        var run = await cli.RunAsync(Fix([.. SkipCi, "--apply", "--yes"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
        Assert.Contains("Verified: helm status shows revision 3 (deployed); the next helm upgrade creates revision 4", run.Out);

        var backup = Assert.Single(Directory.GetFiles(Path.Combine(cli.StateDirectory, "backups", "sandbox", "team-a")));
        Assert.Contains($"Backup: {backup}", run.Out);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        }

        var saved = JsonNode.Parse(File.ReadAllText(backup))!;
        Assert.Equal((string?)original["data"]!["release"], (string?)saved["data"]!["release"]);
        Assert.Equal((string?)original["metadata"]!["uid"], (string?)saved["metadata"]!["uid"]);

        var audit = JsonNode.Parse(File.ReadAllLines(Path.Combine(cli.StateDirectory, "audit.log")).Single())!;
        Assert.Equal(("oncall", "sandbox", "team-a", "sh.helm.release.v1.demo.v4", 4, "delete", "changed"),
            ((string?)audit["user"], (string?)audit["context"], (string?)audit["namespace"], (string?)audit["secret"], (int)audit["revision"]!, (string?)audit["action"], (string?)audit["outcome"]));
        Assert.Contains("INC-1234 no CI source in tests", audit["reasons"]!.ToJsonString());
    }

    [Fact]
    public async Task Fix_ApplyMarkFailed_ChangesBodyAndLabelTogetherWithTheReason()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(Fix([.. SkipCi, "--strategy", "mark-failed", "--apply", "--yes"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        var secret = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        var payload = Payload(secret);
        Assert.Equal(
            ("failed", ReleaseStatus.Failed, "Marked failed by helm-unstick at 2026-11-24T09:00:00Z (was pending-upgrade): INC-1234 no CI source in tests"),
            ((string?)secret["metadata"]!["labels"]!["status"], payload.Status, payload.Description));
        Assert.Contains("the next helm upgrade creates revision 5 and diffs against revision 3's manifest", run.Out);
    }

    [Fact]
    public async Task Fix_WhenDeploymentUnavailable_ChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditLive("apps/v1", "deployments", "team-a", "demo-web", deployment =>
        {
            deployment["status"]!["availableReplicas"] = 0;
            deployment["status"]!["conditions"] = JsonNode.Parse("""[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]""");
        });

        await AssertApplyIsBlockedAsync(cli, SkipCi, "Deployment demo-web: condition Available is False (MinimumReplicasUnavailable)", "Blocked: nothing was changed");

        Assert.False(File.Exists(Path.Combine(cli.StateDirectory, "audit.log")));
    }

    [Fact]
    public async Task Fix_PendingRevisionWrittenWithinStaleAfter_IsPossiblyRunningAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = new DateTimeOffset(2026, 11, 23, 23, 55, 0, TimeSpan.Zero);

        await AssertApplyIsBlockedAsync(cli, SkipCi,
            "BLOCKED      3. No live helm process owns the pending revision: possibly-running: 1 sign(s) that a helm process still works on revision 4 (pending for 4m20s)",
            "Secret team-a/sh.helm.release.v1.demo.v4: the pending revision was written 4m20s ago (less than --stale-after 15m)");
    }

    [Fact]
    public async Task Fix_ForceWithReason_OverridesYoungPendingRevision()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = new DateTimeOffset(2026, 11, 23, 23, 55, 0, TimeSpan.Zero);

        var run = await cli.RunAsync("fix", "demo", "-n", "team-a", "--skip-ci-check", "--force", "--reason", "INC-9 helm pod gone", "--apply", "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
    }

    [Fact]
    public async Task Fix_StaleAfterZero_TreatsAnyPendingRevisionAsStale()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.Now = new DateTimeOffset(2026, 11, 23, 23, 55, 0, TimeSpan.Zero);

        var run = await cli.RunAsync(Fix([.. SkipCi, "--stale-after", "0s", "--apply", "--yes"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        var audit = File.ReadAllText(Path.Combine(cli.StateDirectory, "audit.log"));
        Assert.Contains("--stale-after lowered to 0s (default 15m)", audit);
    }

    [Fact]
    public async Task Fix_NoCiSourceAndNoSkip_BlocksAndChangesNothing()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        await AssertApplyIsBlockedAsync(cli, [], "no CI source is mapped to this kube context");
    }

    [Theory]
    [InlineData("--force")]
    [InlineData("--skip-ci-check")]
    public async Task Fix_OverrideWithoutReason_IsAUsageError(string flag)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(Fix(flag, "--apply", "--yes"));

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: --force and --skip-ci-check need --reason TEXT", run.Err);
    }

    [Fact]
    public async Task Fix_ApplyWithoutTerminalOrYes_RefusesAsUsageError()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(Fix([.. SkipCi, "--apply"]));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--apply without a terminal needs --yes", run.Err);
        Assert.NotNull(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
    }

    [Fact]
    public async Task Fix_StuckInstall_DeleteLeavesNoRevisionAndSaysUseUpgradeInstall()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckInstallStore);

        var run = await cli.RunAsync(["fix", "stuckinst", "-n", "team-c", .. SkipCi, "--apply", "--yes"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(cli.Secret("team-c", "sh.helm.release.v1.stuckinst.v1"));
        Assert.Contains("has no deployed releases; use helm upgrade --install", run.Out);
    }

    [Fact]
    public async Task Fix_SettledRelease_SaysNothingToFix()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync("fix", "example", "-n", "team-b", "--apply", "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Nothing to fix", run.Out);
    }

    [Fact]
    public async Task Fix_Plan_NamesTheObjectsThatAlreadyRunTheStuckRevision_AndVerboseSaysWhy()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(Fix(SkipCi));
        var verbose = await cli.RunAsync(Fix([.. SkipCi, "-v"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("  Live: The only changed object already runs revision 4 (Deployment demo-web).\n", run.Out);
        Assert.True(run.Out.IndexOf("Live:", StringComparison.Ordinal) < run.Out.IndexOf("Dry run: nothing was changed", StringComparison.Ordinal));
        Assert.DoesNotContain("the live spec.replicas", run.Out);
        Assert.Contains("  Live (revision 4 vs 3): The cluster already runs revision 4's spec for the 1 changed resource", verbose.Out);
        Assert.Contains("    - Deployment demo-web: the live spec.replicas is revision 4's (the stuck one). The next `helm upgrade --dry-run` will show this as a change", verbose.Out);
    }

    [Fact]
    public async Task Fix_Apply_LiveStateThatMovedDuringTheFix_IsPrintedAgain()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        using var freeze = cli.Server.Faults.Freeze("DELETE", "^/api/v1/namespaces/team-a/secrets/sh\\.helm\\.release\\.v1\\.demo\\.v4$", times: 1);

        var running = cli.RunAsync(Fix([.. SkipCi, "--apply", "--yes"]));
        await freeze.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        cli.EditLive("apps/v1", "deployments", "team-a", "demo-web", d =>
        {
            // Someone rolls demo-web back to revision 3's spec while the fix runs.
            d["spec"]!["replicas"] = 1;
            foreach (var field in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas" })
            {
                d["status"]![field] = 1;
            }
        });
        freeze.Release();
        var run = await running;

        Assert.True(run.ExitCode == 0, run.ToString());
        var before = run.Out.IndexOf("  Live: The only changed object already runs revision 4 (Deployment demo-web).", StringComparison.Ordinal);
        var verified = run.Out.IndexOf("Verified:", StringComparison.Ordinal);
        var now = run.Out.IndexOf("  Live now: None of the 1 changed object runs revision 4 yet; 1 still runs 3 (Deployment demo-web).", StringComparison.Ordinal);
        Assert.True(before >= 0 && verified > before && now > verified, run.ToString());
    }

    [Fact]
    public async Task Fix_ApplyWithReport_PrintsTheUnchangedLiveStateOnce_AndWritesTheWholeIncidentNote()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var metadata = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!["metadata"]!;
        var (uid, resourceVersion) = ((string?)metadata["uid"], (string?)metadata["resourceVersion"]);
        var report = Path.Combine(cli.Root, "INC-1234.md");

        var run = await cli.RunAsync(Fix([.. SkipCi, "--apply", "--yes", "--report", report]));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(run.Out.Split('\n'), line => line.TrimStart().StartsWith("Live", StringComparison.Ordinal));
        Assert.Contains("Fixed. Next: re-run the last failed deploy job; expect Helm to report 1 changed object, which applies nothing new.", run.Out);
        Assert.Contains($"Report: {report}", run.Out);
        var backup = Directory.GetFiles(Path.Combine(cli.StateDirectory, "backups", "sandbox", "team-a")).Single();
        // The live objects are compared again after the change (the timeline says so); unchanged, they are printed once above.
        Assert.Equal(
            $"""
            # Incident note: Helm release demo in namespace team-a

            - Context: sandbox
            - Written: 2026-11-24 09:00:00Z by `helm-unstick fix`
            - Outcome: changed and verified: helm status shows revision 3 (deployed); the next helm upgrade creates revision 4 and diffs against revision 3's manifest.

            ## Timeline

            | Time (UTC) | Step |
            | --- | --- |
            | 2026-11-24 09:00:00Z | Read 4 revision(s) of release demo: helm status shows revision 4 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress. |
            | 2026-11-24 09:00:00Z | Check "No CI job is deploying to this cluster": overridden - not checked (--skip-ci-check): INC-1234 no CI source in tests |
            | 2026-11-24 09:00:00Z | Check "Workloads have reconciled": passed - 1 workload(s) up to date |
            | 2026-11-24 09:00:00Z | Check "No live helm process owns the pending revision": passed - stale: no sign of a live helm on revision 4 (pending for 9h9m) |
            | 2026-11-24 09:00:00Z | Compared revision 4 with revision 3 and the live objects: The cluster already runs revision 4's spec for the 1 changed resource; the next upgrade will show it as a change but apply nothing new to it. |
            | 2026-11-24 09:00:00Z | Backed up Secret team-a/sh.helm.release.v1.demo.v4 to {backup} |
            | 2026-11-24 09:00:00Z | Changed: delete Secret team-a/sh.helm.release.v1.demo.v4 (revision 4, pending-upgrade) with preconditions uid={uid} resourceVersion={resourceVersion} |
            | 2026-11-24 09:00:00Z | Verified: helm status shows revision 3 (deployed); the next helm upgrade creates revision 4 and diffs against revision 3's manifest. |
            | 2026-11-24 09:00:00Z | Compared the live objects again: The cluster already runs revision 4's spec for the 1 changed resource; the next upgrade will show it as a change but apply nothing new to it. |

            ## Checks

            1. **No CI job is deploying to this cluster**: overridden - not checked (--skip-ci-check): INC-1234 no CI source in tests
            2. **Workloads have reconciled**: ok - 1 workload(s) up to date
               - Deployment demo-web: updated 3/3, available 3/3, generation 4/4, Available=True, Progressing=True
            3. **No live helm process owns the pending revision**: ok - stale: no sign of a live helm on revision 4 (pending for 9h9m)
               - revision 4 is pending-upgrade since 2026-11-23 23:50:39Z (info.last_deployed), age 9h9m
               - ConfigMap team-a/demo-cfg: no managedFields times; ready
               - Deployment team-a/demo-web: no managedFields times; ready
               - helm's waits: window closed at 2026-11-23T23:56:39Z (last_deployed 2026-11-23T23:50:39Z + 5m x (0 hooks + 1) + 1m), 9h3m ago
            4. **Stuck revision**: 4 is pending-upgrade in Secret sh.helm.release.v1.demo.v4 (uid {uid}, resourceVersion {resourceVersion})

            ## What was changed

            - delete Secret team-a/sh.helm.release.v1.demo.v4 (revision 4, pending-upgrade) with preconditions uid={uid} resourceVersion={resourceVersion}
            - Backup of the Secret: `{backup}`
            - To undo: `helm-unstick restore '{backup}' --context 'sandbox' --apply`

            _The live state below was read again after the change._

            {Rendering.ExplanationMarkdownTests.StuckUpgradeExplanation}
            ## What to do next

            - Re-run the last failed CI job (the deploy that left revision 4 pending); `helm upgrade` will create revision 4 and diff against revision 3.
            - Expect: helm status shows revision 3 (deployed); the next helm upgrade creates revision 4 and diffs against revision 3's manifest.
            - The next dry run will list changes that already run on the cluster (revision 4's spec); validate against the live objects above before calling the incident remediated.

            """,
            File.ReadAllText(report));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(report));
        }
    }

    [Fact]
    public async Task Fix_OutputJson_PrintsPlanChecksOutcomeAndExplanationAsOneObject()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);

        var run = await cli.RunAsync(Fix([.. SkipCi, "--apply", "--yes", "-o", "json"]));

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonNode.Parse(run.Out)!.AsObject();
        Assert.Equal(0, (int)json["exitCode"]!);
        Assert.StartsWith("changed and verified", (string)json["outcome"]!);
        Assert.Equal("delete", (string?)json["strategy"]);
        Assert.Equal(4, (int)json["target"]!["revision"]!);
        Assert.Equal(3, json["checks"]!.AsArray().Count);
        Assert.Equal("overridden", (string?)json["checks"]![0]!["outcome"]);
        Assert.EndsWith(".json", (string)json["backup"]!);
        Assert.Equal(3, (int)json["helmNow"]!["statusShowsRevision"]!);
        Assert.Equal(("matches-stuck", 4, 3), (
            (string)json["explanation"]!["resources"]!.AsArray().Single(r => (string?)r!["name"] == "demo-web")!["live"]!,
            (int)json["verification"]!["stuckRevision"]!, (int)json["verification"]!["previousRevision"]!));
        Assert.DoesNotContain("Dry run", run.Out);
    }

    [Fact]
    public async Task Fix_SecretInValues_HiddenInPlanJsonAndReportUnlessShowValues()
    {
        const string password = "hunter2-correct-horse";
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        cli.EditRelease("team-a", "demo", 4, release => release["config"] = new JsonObject { ["replicas"] = 3, ["db"] = new JsonObject { ["password"] = password } });
        var report = Path.Combine(cli.Root, "note.md");

        var json = await cli.RunAsync(Fix([.. SkipCi, "-o", "json", "--report", report]));
        var shown = await cli.RunAsync(Fix([.. SkipCi, "-o", "json", "--show-values"]));

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.DoesNotContain(password, json.Out);
        Assert.DoesNotContain(password, File.ReadAllText(report));
        Assert.Contains(password, shown.Out);
    }

    [Fact]
    public async Task Restore_AfterDelete_RecreatesTheSecretExactlyAndHelmIsStuckAgain()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var original = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        await cli.RunAsync(Fix([.. SkipCi, "--apply", "--yes"]));
        var backup = Directory.GetFiles(Path.Combine(cli.StateDirectory, "backups", "sandbox", "team-a")).Single();

        var dry = await cli.RunAsync("restore", backup);
        Assert.Null(cli.Secret("team-a", "sh.helm.release.v1.demo.v4"));
        var run = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(dry.ExitCode == 0 && run.ExitCode == 0, run.ToString());
        var restored = cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!;
        Assert.Equal((string?)original["data"]!["release"], (string?)restored["data"]!["release"]);
        Assert.Equal(original["metadata"]!["labels"]!.ToJsonString(), restored["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal((string?)original["type"], (string?)restored["type"]);
        var history = await cli.RunAsync("history", "demo", "-n", "team-a");
        Assert.Equal(1, history.ExitCode);
        Assert.Contains("<- stuck", history.Out);
    }

    [Fact]
    public async Task Restore_AfterMarkFailed_PutsThePendingStateBack()
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        await cli.RunAsync(Fix([.. SkipCi, "--strategy", "mark-failed", "--apply", "--yes"]));
        var backup = Directory.GetFiles(Path.Combine(cli.StateDirectory, "backups", "sandbox", "team-a")).Single();

        var run = await cli.RunAsync("restore", backup, "--apply", "--yes");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ReleaseStatus.PendingUpgrade, Payload(cli.Secret("team-a", "sh.helm.release.v1.demo.v4")!).Status);
    }
}
