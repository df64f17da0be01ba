using System.Reflection;
using Xunit.Sdk;

namespace HelmUnstick.Conformance.Tests;

/// <summary>The real toolsets the conformance tests run: Helm 3.18 with kubectl 1.33, Helm 4.1 with kubectl 1.35.</summary>
internal static class Toolsets
{
    public static IReadOnlyList<string> All { get; } = ["helm3", "helm4"];

    /// <summary>The drill rows: every toolset × every <paramref name="killPoints"/> × both fix strategies.</summary>
    public static TheoryData<string, TKillPoint, string> DrillRows<TKillPoint>(IEnumerable<TKillPoint> killPoints)
    {
        var rows = new TheoryData<string, TKillPoint, string>();
        foreach (var toolset in All)
        {
            foreach (var point in killPoints)
            {
                foreach (var strategy in new[] { "delete", "mark-failed" })
                {
                    rows.Add(toolset, point, strategy);
                }
            }
        }

        return rows;
    }
}

/// <summary>Runs a theory once per toolset, passing its name (helm3, helm4) as the only argument.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EachToolsetAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => Toolsets.All.Select(toolset => new object[] { toolset });
}
