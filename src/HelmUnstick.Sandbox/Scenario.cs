namespace HelmUnstick.Sandbox;

/// <summary>
/// A set of objects to seed a cluster with, in the store format: a JSON array of
/// <c>{"key": [groupVersion, namespace, resource, name], "obj": {...}}</c>.
/// </summary>
public sealed class Scenario
{
    private const string ResourcePrefix = "Scenarios.";

    private Scenario(string name, IReadOnlyList<ScenarioObject> objects)
    {
        Name = name;
        Objects = objects;
    }

    /// <summary>The built-in name, or the file path it was loaded from.</summary>
    public string Name { get; }

    internal IReadOnlyList<ScenarioObject> Objects { get; }

    /// <summary>The namespace of the first Helm release in the scenario: where a rehearsal starts.</summary>
    public string MainNamespace => FirstRelease?["namespace"]?.GetValue<string>() ?? "default";

    /// <summary>The name of the first Helm release in the scenario.</summary>
    public string MainRelease => FirstRelease?["labels"]?["name"]?.GetValue<string>() ?? "RELEASE";

    private JsonNode? FirstRelease =>
        Objects.FirstOrDefault(o => o.Resource == "secrets" && o.Object["metadata"]?["labels"]?["owner"]?.GetValue<string>() == "helm")
            ?.Object["metadata"];

    public static IReadOnlyList<string> BuiltInNames { get; } = typeof(Scenario).Assembly
        .GetManifestResourceNames()
        .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
        .Select(name => name[ResourcePrefix.Length..^".json".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Loads a built-in scenario by name, or else a store file by path.</summary>
    public static Scenario Load(string nameOrPath)
    {
        if (BuiltInNames.Contains(nameOrPath))
        {
            using var stream = typeof(Scenario).Assembly.GetManifestResourceStream(ResourcePrefix + nameOrPath + ".json")!;
            using var reader = new StreamReader(stream);
            return Parse(nameOrPath, $"built-in scenario '{nameOrPath}'", reader.ReadToEnd());
        }

        if (!File.Exists(nameOrPath))
        {
            throw new ScenarioException(
                $"Scenario '{nameOrPath}' is neither a built-in scenario ({string.Join(", ", BuiltInNames)}) nor an existing file.");
        }

        return Parse(nameOrPath, $"scenario file '{nameOrPath}'", File.ReadAllText(nameOrPath));
    }

    internal void SeedInto(ClusterStore store)
    {
        foreach (var entry in Objects)
        {
            store.Upsert(entry.GroupVersion, entry.Resource, entry.Object);
        }
    }

    private static Scenario Parse(string name, string source, string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"Cannot load {source}: it is not valid JSON ({e.Message}).");
        }

        if (root is not JsonArray entries)
        {
            throw new ScenarioException($"Cannot load {source}: expected a JSON array of {{\"key\": [groupVersion, namespace, resource, name], \"obj\": {{...}}}} entries.");
        }

        var objects = new List<ScenarioObject>();
        for (var i = 0; i < entries.Count; i++)
        {
            objects.Add(ParseEntry(source, i, entries[i]));
        }

        return new Scenario(name, objects);
    }

    private static ScenarioObject ParseEntry(string source, int index, JsonNode? entry)
    {
        string Problem(string what) => $"Cannot load {source}: entry {index} {what}.";

        if (entry is not JsonObject entryObject
            || entryObject["key"] is not JsonArray { Count: 4 } key
            || key.Any(part => part is not JsonValue value || value.GetValueKind() != JsonValueKind.String))
        {
            throw new ScenarioException(Problem("has no \"key\" of four strings [groupVersion, namespace, resource, name]"));
        }

        if (entryObject["obj"] is not JsonObject obj)
        {
            throw new ScenarioException(Problem("has no \"obj\" object"));
        }

        var (groupVersion, ns, resource, name) = (key[0]!.GetValue<string>(), key[1]!.GetValue<string>(), key[2]!.GetValue<string>(), key[3]!.GetValue<string>());
        var type = ResourceCatalog.Find(groupVersion, resource)
            ?? throw new ScenarioException(Problem($"is a {resource} in {groupVersion}, which the sandbox does not serve"));
        if (type.Namespaced && ns.Length == 0)
        {
            throw new ScenarioException(Problem($"is a namespaced {resource} without a namespace"));
        }

        var copy = (JsonObject)obj.DeepClone();
        var metadata = ClusterStore.Metadata(copy);
        if (metadata["name"]?.GetValue<string>() is { } objName && objName != name)
        {
            throw new ScenarioException(Problem($"has key name '{name}' but metadata.name '{objName}'"));
        }

        metadata["name"] = name;
        if (type.Namespaced)
        {
            metadata["namespace"] = ns;
        }

        return new ScenarioObject(groupVersion, resource, copy);
    }
}

internal sealed record ScenarioObject(string GroupVersion, string Resource, JsonObject Object);

/// <summary>A scenario that cannot be loaded; the message names the source and the problem.</summary>
public sealed class ScenarioException(string message) : Exception(message);
