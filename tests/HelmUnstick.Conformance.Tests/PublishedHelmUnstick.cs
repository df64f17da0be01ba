namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The shipped helm-unstick, built once per test run exactly as a release is cut (<c>scripts/package.sh VERSION</c>:
/// the Native AOT publish, the plugin directory, the archive and its checksum), so the drills exercise the native
/// binary of the release archive and CI runs the release script on every change.
/// </summary>
internal static class PublishedHelmUnstick
{
    /// <summary>The version the tests package; a pre-release that no real release uses.</summary>
    public const string Version = "0.0.0-conformance";

    /// <summary>The Native AOT publish takes minutes of CPU; on a machine shared with other builds, many more of wall time.</summary>
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(30);
    private static readonly Lazy<Task<string>> Binary = new(PackageAsync);

    public static string Dist => Path.Combine(RepositoryPaths.Root, "dist");

    /// <summary>The Helm plugin directory, which also holds everything the archive holds.</summary>
    public static string PluginDirectory => Path.Combine(Dist, $"helm-unstick-{Version}");

    public static string Archive => Path.Combine(Dist, $"helm-unstick-{Version}-linux-amd64.tar.gz");

    /// <summary>The packaged binary; packages on first use.</summary>
    public static Task<string> PathAsync() => Binary.Value;

    private static async Task<string> PackageAsync()
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "scripts", "package.sh"))
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Version);
        if (!Path.Exists(Path.Combine(RepositoryPaths.Root, ".git")))
        {
            // A source tree without git history (an exported CI workspace) names its commit as a container build does.
            info.Environment["HELM_UNSTICK_COMMIT"] = "unknown";
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.EndsWithinAsync(PublishLimit, () => $"scripts/package.sh {Version} did not finish within {PublishLimit.TotalMinutes} minutes");

        var binary = Path.Combine(PluginDirectory, "helm-unstick");
        Assert.True(process.ExitCode == 0 && File.Exists(binary),
            $"scripts/package.sh {Version} failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
        return binary;
    }
}
