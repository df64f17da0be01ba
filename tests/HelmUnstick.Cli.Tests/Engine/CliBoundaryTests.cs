using System.Reflection;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// The CLI reaches the cluster only through the engine, and its folders depend one way: Commands use Rendering (and
/// Run, Serve); Rendering uses the engine's reports and no other folder. Read from the sources (every mention counts,
/// a static call as much as a field) and from the compiled types (what <c>var</c> hides).
/// </summary>
public sealed partial class CliBoundaryTests
{
    private static readonly string[] Folders = ["Commands", "Rendering", "Run", "Serve"];

    /// <summary>What a folder may use of the others; everything else is a dependency the wrong way.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Commands"] = ["Rendering", "Run", "Serve"],
        ["Rendering"] = [],
        ["Run"] = [],
        ["Serve"] = [],
    };

    private static readonly Type[] CliTypes = typeof(CliEnvironment).Assembly.GetTypes();

    [Fact]
    public void CommandsRenderingAndServe_NeverNameTheKubernetesClient()
    {
        var offending = Folders.Where(f => f != "Run")
            .SelectMany(folder => Sources(folder).SelectMany(source => KubernetesClientUse().Matches(source.Code).Select(m => $"{source.Path}: {m.Value}")))
            .Concat(TypesIn("Commands", "Rendering", "Serve").SelectMany(t => TypeReferences.Of(t).Where(IsKubernetesClientType).Select(r => $"{t.FullName} uses {r.FullName}")))
            .Distinct()
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void CliFolders_DependOneWay_WithoutACycle()
    {
        var declared = Folders.ToDictionary(f => f, f => TypesIn(f).Where(t => !t.IsNested).Select(Name).ToHashSet(StringComparer.Ordinal));

        // A name the folder gives a member of its own (a property called RestoreCommand) is not a use of that type.
        var own = Folders.ToDictionary(f => f, f => TypesIn(f).SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => m.Name).Concat(declared[f]).ToHashSet(StringComparer.Ordinal));
        var wrongWay = Folders
            .SelectMany(folder => Sources(folder).SelectMany(source => Identifiers(source.Code)
                .SelectMany(id => Folders.Where(other => other != folder && !Allowed[folder].Contains(other) && declared[other].Contains(id) && !own[folder].Contains(id))
                    .Select(other => $"{folder} uses {other}: {id} in {source.Path}"))))
            .Distinct()
            .ToList();

        Assert.True(declared.Values.All(names => names.Count > 0), "a folder declares no types: " + string.Join(", ", declared.Where(d => d.Value.Count == 0).Select(d => d.Key)));
        Assert.Empty(wrongWay);
    }

    [Fact]
    public void Rendering_NeverThrowsNorTouchesFiles()
    {
        // A renderer only turns a report into text: the error that ends a command, and the files it writes, are the command's.
        var offending = Sources("Rendering")
            .SelectMany(source => SideEffect().Matches(source.Code).Select(m => $"{source.Path}: {m.Value}"))
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void SideEffectCheck_RecognisesAThrowAndTheFileSystem()
    {
        string[] effects = ["throw new CliException(ExitCodes.Usage, problem);", "? value : throw new ArgumentException(nameof(value))", "PrivateFile.WriteAtomically(path, write, replace);", "File.WriteAllText(path, markdown);", "new FileStream(path, FileMode.CreateNew)"];
        string[] renderings = ["env.WriteData(line);", "text.AppendLine($\"- Backup file: `{backup}`\");"];

        Assert.Equal((effects.Length, 0), (effects.Count(SideEffect().IsMatch), renderings.Count(SideEffect().IsMatch)));
    }

    /// <summary>A throw (statement or expression), or the file system named.</summary>
    [GeneratedRegex(@"\bthrow\b|\b(?:File|Directory|PrivateFile|FileStream|FileInfo|DirectoryInfo|StreamWriter)\b(?:\.\w+|\()")]
    private static partial Regex SideEffect();

    [Fact]
    public void KubernetesClientCheck_RecognisesTheClientAndASessionsClient()
    {
        Assert.True(IsKubernetesClientType(typeof(List<>).MakeGenericType(KubernetesType())));
        Assert.Matches(KubernetesClientUse(), "using k8s.Models;");
        Assert.Matches(KubernetesClientUse(), "await session.Client.CoreV1.ReadNamespacedSecretAsync(name, ns)");
        Assert.DoesNotMatch(KubernetesClientUse(), "var session = ClusterSession.Connect(target, env);");
        Assert.DoesNotMatch(KubernetesClientUse(), "\"coordination.k8s.io\"");
    }

    /// <summary>The client's namespaces, a session's client, or the engine's raw HTTP helper.</summary>
    [GeneratedRegex(@"\bk8s\b(?!\.io)[\w.]*|\.Client\.\w+|\bKubeHttp\.\w+")]
    private static partial Regex KubernetesClientUse();

    private static Type KubernetesType() => typeof(HelmUnstick.Engine.Kube.ClusterSession).GetProperty("Client")!.PropertyType;

    private static IEnumerable<Type> TypesIn(params string[] folders) =>
        CliTypes.Where(t => folders.Any(f => t.Namespace == $"HelmUnstick.Cli.{f}"));

    private static string Name(Type type) => type.Name.Split('`')[0];

    private static bool IsKubernetesClientType(Type type) =>
        type.HasElementType ? IsKubernetesClientType(type.GetElementType()!)
        : type.IsGenericType && type.GetGenericArguments().Any(IsKubernetesClientType) || type.Namespace?.Split('.')[0] == "k8s";

    private static IEnumerable<(string Path, string Code)> Sources(string folder) =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src", "HelmUnstick.Cli", folder), "*.cs", SearchOption.AllDirectories)
            .Select(path => (Path.GetRelativePath(RepositoryPaths.Root, path), Comment().Replace(File.ReadAllText(path), "")));

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    private static IEnumerable<string> Identifiers(string code) => Identifier().Matches(code).Select(m => m.Value);

    /// <summary>A type name as code names a type: not a member after a dot (<c>record.RestoreCommand</c> is a property).</summary>
    [GeneratedRegex(@"(?<![.\w])[A-Z]\w*\b")]
    private static partial Regex Identifier();
}
