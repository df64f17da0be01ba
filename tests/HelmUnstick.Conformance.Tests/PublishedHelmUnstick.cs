using System.Diagnostics;

namespace HelmUnstick.Conformance.Tests;

/// <summary>
/// The shipped helm-unstick, published once per test run exactly as users publish it
/// (<c>dotnet publish src/HelmUnstick.Cli -c Release -o DIR</c>), so the drills exercise the native binary.
/// </summary>
internal static class PublishedHelmUnstick
{
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(15);
    private static readonly Lazy<Task<string>> Binary = new(PublishAsync);

    public static Task<string> PathAsync() => Binary.Value;

    private static async Task<string> PublishAsync()
    {
        var output = Path.Combine(RepositoryPaths.Root, "artifacts", "conformance", "helm-unstick");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "publish", "src/HelmUnstick.Cli", "-c", "Release", "-o", output, "--nologo", "-v", "q", "--disable-build-servers" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(PublishLimit);
        await process.WaitForExitAsync(limit.Token);
        var binary = Path.Combine(output, "helm-unstick");
        Assert.True(process.ExitCode == 0 && File.Exists(binary),
            $"dotnet publish src/HelmUnstick.Cli failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
        return binary;
    }
}
