using HelmUnstick.Cli.Rendering;
using HelmUnstick.Core.Tests.Explain;

namespace HelmUnstick.Cli.Tests.Rendering;

public sealed class ExplanationMarkdownTests
{
    /// <summary>
    /// The explanation of the stuck upgrade in the fixtures: the cluster already runs revision 4, values hidden. The incident
    /// note of <c>explain --report</c> embeds it as it is.
    /// </summary>
    internal const string StuckUpgradeExplanation = """
        ## Revision 4 (stuck) compared with revision 3

        The cluster already runs revision 4's spec for the 1 changed resource; the next upgrade will show it as a change but apply nothing new to it.

        - Chart: demo 0.1.0 (app 1.0.0), unchanged
        - User values: 1 key changed
          - `replicas`: added, (hidden)

        | Resource | Between the revisions | On the cluster | Fields |
        | --- | --- | --- | --- |
        | ConfigMap team-a/demo-cfg | unchanged | matches-both |  |
        | Deployment team-a/demo-web | changed | matches-stuck | `spec.replicas`: `1` → `3` |

        - ConfigMap demo-cfg: the same in revisions 3 and 4, and the cluster matches. The next upgrade will not show it.
        - Deployment demo-web: the live spec.replicas is revision 4's (the stuck one). The next `helm upgrade --dry-run` will show this as a change; applying it will change nothing on the cluster.

        ### Next steps

        - Once revision 4 is removed or marked failed, check that `helm history` lists revision 3 as deployed and no revision as pending.
        - Re-run the last failed CI job (or the same `helm upgrade`): it creates revision 4 again from revision 3.
        - Expect its `--dry-run` to list the changes above even where the cluster already runs revision 4's spec; applying them changes nothing there.
        - Values are hidden; run again with `--show-values` to see them.

        """;

    private static readonly ExplainFixtures.StuckUpgradeStore Store = ExplainFixtures.StuckUpgrade();

    private static string Render(RevisionSnapshot stuck, Dictionary<ResourceKey, JsonObject> live, bool showValues = false) =>
        ExplanationMarkdown.Render(ReleaseExplainer.Explain(
            RevisionDiffCalculator.Compute(stuck, Store.Revision(3), ExplainFixtures.Namespace), live, showValues));

    private static Dictionary<ResourceKey, JsonObject> LiveWithReplicas(int replicas)
    {
        var live = Store.LiveObjects();
        live[new ResourceKey("Deployment", ExplainFixtures.Namespace, "demo-web")]["spec"]!["replicas"] = replicas;
        return live;
    }

    [Fact]
    public void Render_StuckAfterEverythingWasApplied_ShowsSummaryTableAndNextSteps()
    {
        var markdown = Render(Store.Revision(4), Store.LiveObjects());

        Assert.Equal(StuckUpgradeExplanation, markdown);
    }

    [Theory]
    [InlineData(3, true, false)]
    [InlineData(1, false, false)]
    [InlineData(2, false, true)]
    public void Render_NextSteps_DependOnWhatTheClusterRuns(int liveReplicas, bool warnsAboutDryRun, bool warnsAboutOverwrite)
    {
        var markdown = Render(Store.Revision(4), LiveWithReplicas(liveReplicas));

        Assert.Equal(warnsAboutDryRun, markdown.Contains("Expect its `--dry-run`"));
        Assert.Equal(warnsAboutOverwrite, markdown.Contains("- Before upgrading, look at Deployment demo-web on the cluster: it matches neither revision"));
    }

    [Fact]
    public void Render_LiveMatchingNeither_ListsEachDifferingField()
    {
        var markdown = Render(Store.Revision(4), LiveWithReplicas(2));

        Assert.Contains("  - `spec.replicas`: revision 4 sets `3`, the cluster has `2`\n", markdown);
        Assert.Contains("  - `spec.replicas`: revision 3 sets `1`, the cluster has `2`\n", markdown);
    }

    [Fact]
    public void Render_WithShowValues_ShowsUserValuesAndNoHiddenNotice()
    {
        var markdown = Render(Store.Revision(4), Store.LiveObjects(), showValues: true);

        Assert.Contains("  - `replicas`: added, `3`\n", markdown);
        Assert.DoesNotContain("(hidden)", markdown);
        Assert.DoesNotContain("--show-values", markdown);
    }

    [Fact]
    public void Render_ChartChange_ShowsBothVersions()
    {
        var markdown = Render(Store.Revision(4) with { ChartVersion = "0.2.0", AppVersion = "1.1.0" }, Store.LiveObjects());

        Assert.Contains("- Chart: demo 0.1.0 (app 1.0.0) → demo 0.2.0 (app 1.1.0)\n", markdown);
    }

    [Fact]
    public void Render_ValueWithAPipe_DoesNotBreakTheTable()
    {
        var stuck = Store.Revision(4).WithManifest(manifest => manifest.Replace("greeting: \"hello\"", "greeting: \"a|b\""));

        var markdown = Render(stuck, Store.LiveObjects());

        Assert.Contains("| ConfigMap team-a/demo-cfg | changed | matches-previous | `data.greeting`: `\"hello\"` → `\"a\\|b\"` |\n", markdown);
    }
}
