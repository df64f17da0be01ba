namespace HelmUnstick.Conformance.Tests;

/// <summary>Paths inside the repository and to the shared fixtures next to it (<c>../shared/</c>).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Chart(string name) => Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures", "charts", name));

    public static string Tool(string helmVersion, string binary) => Path.Combine(Root, ".tools", helmVersion, binary);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HelmUnstick.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HelmUnstick.slnx not found above " + AppContext.BaseDirectory);
    }
}
