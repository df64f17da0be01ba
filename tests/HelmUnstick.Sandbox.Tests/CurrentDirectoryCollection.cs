namespace HelmUnstick.Sandbox.Tests;

/// <summary>Tests that change the process-wide current directory run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CurrentDirectoryCollection
{
    public const string Name = "CurrentDirectory";
}
