using System.CommandLine.Invocation;
using System.Reflection;

namespace HelmUnstick.Cli;

/// <summary>
/// What <c>--version</c> prints: the project's name, the release version and the commit it was built from
/// (scripts/package.sh passes both). Another Helm plugin is also called "unstick"; this line tells them apart.
/// </summary>
internal static class ToolVersion
{
    /// <summary>For example <c>helm-unstick 1.2.0 (commit 3f2c9e1...)</c>.</summary>
    public static string Line(string toolName)
    {
        // The build writes VERSION+COMMIT into the informational version; a local build without a commit prints the version alone.
        var informational = typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? $"{toolName} {informational}" : $"{toolName} {informational[..plus]} (commit {informational[(plus + 1)..]})";
    }

    /// <summary>Replaces the root command's default <c>--version</c> output (the bare informational version).</summary>
    public static void Apply(RootCommand root, string toolName)
    {
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion(toolName);
    }

    private sealed class PrintVersion(string toolName) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Line(toolName));
            return ExitCodes.Ok;
        }
    }
}
