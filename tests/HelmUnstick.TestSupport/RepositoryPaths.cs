namespace HelmUnstick.TestSupport;

/// <summary>Paths inside the repository and to the shared fixtures beside it (<c>../shared/</c>).</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding HelmUnstick.slnx, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A file or directory under <c>../shared/fixtures/</c>.</summary>
    public static string SharedFixture(params string[] parts) =>
        Path.GetFullPath(Path.Combine([Root, "..", "shared", "fixtures", .. parts]));

    /// <summary>One of the charts under <c>../shared/fixtures/charts/</c>.</summary>
    public static string Chart(string name) => SharedFixture("charts", name);

    /// <summary>A real helm or kubectl binary installed by scripts/install-tools.sh.</summary>
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
