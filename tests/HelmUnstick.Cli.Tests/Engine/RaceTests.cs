using static HelmUnstick.Cli.Tests.Engine.FaultMatrix;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// Two <c>fix --apply</c> on the same stuck release at once: exactly one makes the change; the other learns that
/// someone else did (exit 0 "already fixed" when the history is what it planned), never "changed but unverified".
/// </summary>
public sealed class RaceTests
{
    private const string AlreadyFixed = "changed by someone else: the history shows the planned result (already fixed)";

    /// <summary>Both runs pass their re-read before either writes: the loser's write is answered 404 (DELETE) or 409 (update).</summary>
    [Theory]
    [InlineData(RemediationStrategy.Delete)]
    [InlineData(RemediationStrategy.MarkFailed)]
    public async Task BothPastTheReRead_TheLoserSaysAlreadyFixed_Exit0_WithoutARestoreCommand(RemediationStrategy strategy)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var write = cli.Server.Faults.Freeze(WriteMethod(strategy), ObjectPath, times: 2);

        var first = cli.RunAsync([.. Fix(strategy), "-o", "json"]);
        var second = cli.RunAsync([.. Fix(strategy), "-o", "json"]);
        await write.FirstMatch.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => write.Matched == 2);
        write.Dispose();
        var runs = await Task.WhenAll(first, second);

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.ToString()));
        Assert.Equal(["changed", AlreadyFixed], AuditOutcomes(cli).Order(StringComparer.Ordinal));
        var loser = runs.Select(run => JsonNode.Parse(run.Out)!).Single(json => ((string)json["outcome"]!).StartsWith("already fixed", StringComparison.Ordinal));
        Assert.Matches("^already fixed by someone else \\(this run changed nothing\\): helm status shows revision \\d", (string?)loser["outcome"]);
        Assert.Null(loser["restoreCommand"]);
        AssertChanged(cli, strategy);
    }

    /// <summary>Fifty rounds of two runs started together, with whatever interleaving the scheduler gives.</summary>
    [Theory]
    [InlineData(RemediationStrategy.Delete)]
    [InlineData(RemediationStrategy.MarkFailed)]
    public async Task TwoFixesAtOnce_FiftyRounds_NeverExit4_ExactlyOneAuditLineSaysChanged(RemediationStrategy strategy)
    {
        await using var cli = await CliHarness.StartAsync(Fixtures.StuckUpgradeStore);
        var original = cli.Secret(Ns, Name)!;
        var audit = Path.Combine(cli.StateDirectory, "audit.log");
        var exits = new List<int>();
        for (var round = 0; round < 50; round++)
        {
            cli.Server.Store.Upsert("v1", "secrets", original);
            if (File.Exists(audit))
            {
                File.Delete(audit);
            }

            var runs = await Task.WhenAll(cli.RunAsync(Fix(strategy)), cli.RunAsync(Fix(strategy)));

            Assert.All(runs, run => Assert.True(run.ExitCode is 0 or 1, $"round {round}: {run}"));
            Assert.All(runs, run => Assert.DoesNotContain("to undo", run.ExitCode == 0 ? "" : run.Err));
            var outcomes = AuditOutcomes(cli);
            Assert.True(outcomes.Count(o => o == "changed") == 1, $"round {round}: {string.Join(" | ", outcomes)}\n{runs[0]}\n{runs[1]}");
            Assert.All(outcomes.Where(o => o != "changed"), o => Assert.StartsWith("changed by someone else", o));
            AssertChanged(cli, strategy);
            exits.AddRange(runs.Select(r => r.ExitCode));
        }

        Assert.DoesNotContain(4, exits);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // The second request is on its way through loopback; it is held by the freeze as soon as it arrives.
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the second write never reached the server");
    }
}
