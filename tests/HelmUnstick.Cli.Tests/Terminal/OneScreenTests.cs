namespace HelmUnstick.Cli.Tests.Terminal;

/// <summary>The plan of the built-in incident fits one screen; -v still prints every piece of evidence.</summary>
public sealed class OneScreenTests
{
    private static readonly string[] Plan = ["fix", "gitlab-cny", "-n", "gitlab-cny", "--skip-ci-check", "--reason", "drill"];

    private static readonly string[] Workloads =
    [
        "geo-logcursor", "gitlab-exporter", "gitlab-pages", "gitlab-shell", "kas", "mailroom",
        "registry", "sidekiq", "spamcheck", "toolbox", "webservice", "workhorse",
    ];

    [Fact]
    public async Task FixPlan_OnTheGitLabIncident_FitsOneScreen_DecisionFirst()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");

        var run = await cli.RunAsync(Plan);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                "Release gitlab-cny in namespace gitlab-cny: clear to fix; revision 1234 has been stuck in pending-upgrade for 2d5h",
                "  overridden   1. No CI job is deploying to this cluster: not checked (--skip-ci-check): drill",
                "  ok           2. Workloads have reconciled: 12 workload(s) up to date (-v: 12 more lines)",
                "  ok           3. No live helm process owns the pending revision: stale: no sign of a live helm on revision 1234 (pending for 2d5h) (-v: 16 more lines)",
                "  Plan (delete): delete Secret gitlab-cny/sh.helm.release.v1.gitlab-cny.v1234 (revision 1234, pending-upgrade) with preconditions uid=b770473a-b72f-5a07-b86a-b54b90371bd7 resourceVersion=1008",
                "    Before: helm status shows revision 1234 (pending-upgrade); helm upgrade fails: another operation (install/upgrade/rollback) is in progress.",
                "    After:  helm status shows revision 1233 (deployed); the next helm upgrade creates revision 1234 and diffs against revision 1233's manifest.",
                "  Live: 2 of 14 changed objects already run revision 1234 (Deployment gitlab-cny-webservice, gitlab-cny-sidekiq); 12 still run 1233.",
                "Dry run: nothing was changed. To apply:",
                "  helm-unstick fix gitlab-cny -n gitlab-cny --skip-ci-check --reason drill --apply",
            ],
            Lines(run.Out));
        Assert.InRange(Lines(run.Out).Length, 1, 25);
    }

    [Fact]
    public async Task FixPlanVerbose_OnTheGitLabIncident_ListsEveryWorkloadAndEveryObjectsLiveState()
    {
        await using var cli = await CliHarness.StartAsync("gitlab-cny");
        var objects = (await cli.RunAsync("explain", "gitlab-cny", "-n", "gitlab-cny", "-o", "json")).Out;
        var resources = System.Text.Json.Nodes.JsonNode.Parse(objects)!["resources"]!.AsArray()
            .Select(r => $"{(string)r!["kind"]!} {(string)r["name"]!}")
            .ToList();

        var run = await cli.RunAsync([.. Plan, "-v"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = Lines(run.Out);
        Assert.All(Workloads, w => Assert.Single(lines, l => l.TrimStart().StartsWith($"Deployment gitlab-cny-{w}: updated ", StringComparison.Ordinal)));
        Assert.Equal(14, resources.Count);
        Assert.All(resources, r => Assert.Single(lines, l => l.StartsWith($"    - {r}: the live ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("4. Stuck revision: 1234 is pending-upgrade in Secret sh.helm.release.v1.gitlab-cny.v1234 (uid b770473a-b72f-5a07-b86a-b54b90371bd7, resourceVersion 1008)"));
    }

    private static string[] Lines(string output) => output.TrimEnd('\n').Split('\n');
}
