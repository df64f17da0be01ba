using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace HelmUnstick.Conformance.Tests;

/// <summary>What scripts/package.sh leaves in dist/, and the Dockerfile that packages the same binary as an image.</summary>
public sealed partial class PackageTests
{
    private static readonly string[] PackagedFiles =
    [
        "README.md", "completions/_helm-unstick", "completions/helm-unstick.bash", "completions/helm-unstick.fish",
        "completions/helm-unstick.ps1", "helm-unstick", "plugin.yaml",
    ];

    [Fact]
    public async Task Archive_HoldsThePluginDirectoryAtItsTopLevel_AndSha256SumsVerifiesIt()
    {
        var binary = await PublishedHelmUnstick.PathAsync();
        var expected = PackagedFiles.Concat(File.Exists(Path.Combine(RepositoryPaths.Root, "LICENSE")) ? ["LICENSE"] : Array.Empty<string>()).Order(StringComparer.Ordinal);

        var entries = new Dictionary<string, byte[]>();
        await using (var gzip = new GZipStream(File.OpenRead(PublishedHelmUnstick.Archive), CompressionMode.Decompress))
        await using (var tar = new TarReader(gzip))
        {
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (entry.EntryType == TarEntryType.RegularFile)
                {
                    using var content = new MemoryStream();
                    await entry.DataStream!.CopyToAsync(content);
                    entries[entry.Name] = content.ToArray();
                }
            }
        }

        Assert.Equal(expected, entries.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, content) in entries)
        {
            var packaged = await File.ReadAllBytesAsync(Path.Combine(PublishedHelmUnstick.PluginDirectory, name));
            Assert.True(content.AsSpan().SequenceEqual(packaged), $"{name} differs from the plugin directory's");
        }

        Assert.Equal(await File.ReadAllBytesAsync(binary), entries["helm-unstick"]);
        Assert.StartsWith("# bash completion", System.Text.Encoding.UTF8.GetString(entries["completions/helm-unstick.bash"]), StringComparison.OrdinalIgnoreCase);

        var sums = await File.ReadAllLinesAsync(Path.Combine(PublishedHelmUnstick.Dist, "SHA256SUMS"));
        var archiveName = Path.GetFileName(PublishedHelmUnstick.Archive);
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(PublishedHelmUnstick.Archive)));
        Assert.Contains($"{hash}  {archiveName}", sums);
    }

    [Fact]
    public async Task PluginYaml_RunsTheBinaryFromTheHelmPluginDirectory_UnderTheNameUnstickAndThePackagedVersion()
    {
        await PublishedHelmUnstick.PathAsync();
        var yaml = await File.ReadAllTextAsync(Path.Combine(PublishedHelmUnstick.PluginDirectory, "plugin.yaml"));

        Assert.Matches("(?m)^name: unstick$", yaml);
        Assert.Matches($"(?m)^version: \"{Regex.Escape(PublishedHelmUnstick.Version)}\"$", yaml);
        Assert.Contains("platformCommand:\n  - os: linux\n    arch: amd64\n    command: \"$HELM_PLUGIN_DIR/helm-unstick\"\n", yaml);
    }

    [Fact]
    public async Task Version_NamesTheProjectTheVersionAndTheCommit()
    {
        var binary = await PublishedHelmUnstick.PathAsync();
        var run = await ToolProcess.StartAt(binary, "helm-unstick", new Dictionary<string, string>(), ["--version"]).SucceedsAsync();

        var commit = Assert.Single(VersionLine().Matches(run.Out)).Groups["commit"].Value;
        if (Path.Exists(Path.Combine(RepositoryPaths.Root, ".git")))
        {
            var head = await ToolProcess.StartAt("/usr/bin/git", "git", new Dictionary<string, string>(), ["-C", RepositoryPaths.Root, "rev-parse", "HEAD"]).SucceedsAsync();
            Assert.Equal(head.Out.Trim(), commit.Replace("-dirty", "", StringComparison.Ordinal));
        }
    }

    [GeneratedRegex(@"^helm-unstick 0\.0\.0-conformance \(commit (?<commit>[0-9a-f]{40}(-dirty)?|unknown)\)\n$")]
    private static partial Regex VersionLine();

    /// <summary>
    /// No container engine runs here, so the Dockerfile is read: its build stage runs scripts/package.sh, and the
    /// final stage holds only the binary at the path the package has it, as a non-root user the chart also uses,
    /// under the name and tag the chart pulls by default.
    /// </summary>
    [Fact]
    public async Task Dockerfile_ShipsOnlyThePackagedBinary_AsTheChartsNonRootUser_UnderTheChartsDefaultImage()
    {
        await PublishedHelmUnstick.PathAsync();
        var stages = DockerStages(await File.ReadAllLinesAsync(Path.Combine(RepositoryPaths.Root, "Dockerfile")));
        Assert.Equal(2, stages.Count);
        var (build, final) = (stages[0], stages[1]);

        // The build stage packages exactly as a release does, from the repository's files.
        Assert.Equal("RUN HELM_UNSTICK_COMMIT=\"$COMMIT\" scripts/package.sh \"$VERSION\"", Assert.Single(build.Instructions, i => i.StartsWith("RUN ", StringComparison.Ordinal) && i.Contains("package.sh", StringComparison.Ordinal)));
        Assert.Contains("WORKDIR /src", build.Instructions);
        Assert.Contains("COPY scripts/package.sh scripts/", build.Instructions);
        Assert.Contains("COPY src/ src/", build.Instructions);

        // The final stage: a base without shell or package manager, one file copied from the build, a non-root user.
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/runtime-deps:10\.0-[a-z]+-chiseled$", final.From);
        var copy = Assert.Single(final.Instructions, i => i.StartsWith("COPY ", StringComparison.Ordinal) || i.StartsWith("ADD ", StringComparison.Ordinal));
        var copied = CopyFromBuild().Match(copy);
        Assert.True(copied.Success, copy);
        var packagedPath = Path.GetRelativePath("/src", copied.Groups["source"].Value.Replace("${VERSION}", PublishedHelmUnstick.Version, StringComparison.Ordinal));
        Assert.Equal(Path.GetRelativePath(RepositoryPaths.Root, await PublishedHelmUnstick.PathAsync()), packagedPath);
        Assert.Equal($"ENTRYPOINT [\"{copied.Groups["target"].Value}\"]", Assert.Single(final.Instructions, i => i.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));

        var user = Assert.Single(final.Instructions, i => i.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..];
        var values = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "deploy", "chart", "values.yaml"));
        Assert.NotEqual("0", user);
        Assert.Contains($"  runAsUser: {user}\n", values);
        Assert.Contains("  readOnlyRootFilesystem: true\n", values);

        // The chart's default image is the one the Dockerfile's documented build tags: helm-unstick:<appVersion>.
        var chart = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "deploy", "chart", "Chart.yaml"));
        var appVersion = AppVersion().Match(chart).Groups[1].Value;
        Assert.Contains("image:\n  repository: helm-unstick\n  tag: \"\"", values);
        Assert.Contains($"<Version>{appVersion}</Version>", await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "src", "HelmUnstick.Cli", "HelmUnstick.Cli.csproj")));
        Assert.Contains($"ARG VERSION={appVersion}", final.Instructions);
        Assert.Contains($"ARG VERSION={appVersion}", build.Instructions);
        Assert.Contains($"docker build --build-arg VERSION={appVersion} --build-arg COMMIT=\"$(git rev-parse HEAD)\" -t helm-unstick:{appVersion} .",
            await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "Dockerfile")));
    }

    private sealed record DockerStage(string From, List<string> Instructions);

    /// <summary>The stages of a Dockerfile: each FROM line and the instructions after it (comments and blank lines dropped).</summary>
    private static List<DockerStage> DockerStages(IEnumerable<string> lines)
    {
        var stages = new List<DockerStage>();
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                stages.Add(new DockerStage(line.Split(" AS ")[0], []));
            }
            else
            {
                stages[^1].Instructions.Add(line);
            }
        }

        return stages;
    }

    [GeneratedRegex(@"^COPY --from=build (?<source>\S+) (?<target>/\S+)$")]
    private static partial Regex CopyFromBuild();

    [GeneratedRegex("(?m)^appVersion: \"?([^\"\\s]+)\"?$")]
    private static partial Regex AppVersion();
}
