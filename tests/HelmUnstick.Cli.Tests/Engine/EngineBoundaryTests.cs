namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>The engine project must run without a console or a command line (an in-cluster watcher calls it too).</summary>
public sealed class EngineBoundaryTests
{
    private static readonly Type[] EngineTypes = typeof(UnstickEngine).Assembly.GetTypes();

    [Fact]
    public void EngineAssembly_ReferencesNeitherTheCliNorAConsoleNorTheParser()
    {
        var references = typeof(UnstickEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("HelmUnstick.Core", references);
        Assert.DoesNotContain(references, r => r is "helm-unstick" or "System.CommandLine" or "Spectre.Console");
    }

    [Fact]
    public void EngineTypes_UseNoParserConsoleOrCliEnvironmentTypes()
    {
        var offending = EngineTypes
            .SelectMany(t => TypeReferences.Of(t).Where(Forbidden).Select(r => $"{t.FullName} uses {r.FullName}"))
            .Distinct()
            .ToList();

        Assert.True(EngineTypes.Length >= 5, $"only {EngineTypes.Length} engine types found");
        Assert.Empty(offending);
    }

    [Fact]
    public void ForbiddenCheck_RecognisesAConsoleAndTheParser()
    {
        Assert.True(Forbidden(typeof(Spectre.Console.IAnsiConsole)));
        Assert.True(Forbidden(typeof(System.CommandLine.ParseResult)));
        Assert.True(Forbidden(typeof(Func<CliEnvironment, int>)));
        Assert.False(Forbidden(typeof(Func<string, int>)));
    }

    private static bool Forbidden(Type type)
    {
        if (type.HasElementType)
        {
            return Forbidden(type.GetElementType()!);
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(Forbidden))
        {
            return true;
        }

        return type == typeof(CliEnvironment)
               || type.Namespace?.StartsWith("System.CommandLine", StringComparison.Ordinal) == true
               || type.Namespace?.StartsWith("Spectre.Console", StringComparison.Ordinal) == true;
    }
}
