namespace HelmUnstick.Sandbox.Tests;

internal static class RepositoryRoot
{
    /// <summary>The directory holding HelmUnstick.slnx, found by walking up from the test binaries.</summary>
    public static string Path { get; } = Find();

    public static string SharedFixture(params string[] parts) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine([Path, "..", "shared", "fixtures", .. parts]));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "HelmUnstick.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HelmUnstick.slnx not found above " + AppContext.BaseDirectory);
    }
}
