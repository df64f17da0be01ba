using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HelmUnstick.Engine.Yaml;

/// <summary>
/// Walks one YAML file node by node instead of deserializing it, so that every problem, a misspelt key included, is
/// one line <c>file:line: problem</c>. Shared by the CI config and the serve policy.
/// </summary>
/// <param name="toException">The exception each loader reports its problems with.</param>
internal sealed class YamlFileReader(string fileName, Func<string, Exception> toException)
{
    /// <summary>The first document's root node, or null when the file holds no document (or only an empty one).</summary>
    public YamlNode? LoadRoot(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw toException($"{fileName}:{e.Start.Line}: invalid YAML: {(e.InnerException?.Message ?? e.Message).Split('\n', 2)[0].Trim()}");
        }

        return stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }
            ? null
            : stream.Documents[0].RootNode;
    }

    public Exception Error(YamlNode node, string problem) => toException($"{fileName}:{node.Start.Line}: {problem}");

    public YamlMappingNode Mapping(YamlNode node, string where) =>
        node as YamlMappingNode ?? throw Error(node, $"{where} must be a mapping");

    /// <summary>Each key of a mapping with its value and its path (<c>where.key</c>) for the problem lines.</summary>
    public IEnumerable<(string Name, YamlNode Key, YamlNode Value, string At)> Fields(YamlNode node, string where)
    {
        foreach (var (key, value) in Mapping(node, where).Children)
        {
            string name = Key(key);
            yield return (name, key, value, $"{where}.{name}");
        }
    }

    /// <summary>The line for a key the mapping at <paramref name="where"/> does not take, naming the keys it does.</summary>
    public Exception UnknownKey(YamlNode key, string name, string where, IEnumerable<string> expected) =>
        Error(key, $"unknown key '{name}' under {where} (expected one of {string.Join(", ", expected)})");

    public string Key(YamlNode node) =>
        node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, "keys must be non-empty text");

    public string Scalar(YamlNode node, string where) =>
        node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, $"{where} must be non-empty text");

    /// <summary>A scalar that must be one of <paramref name="choices"/>' names; the value of the one it is.</summary>
    public T OneOf<T>(YamlNode node, string where, IReadOnlyList<(string Name, T Value)> choices)
    {
        var text = Scalar(node, where);
        foreach (var (name, value) in choices)
        {
            if (name == text)
            {
                return value;
            }
        }

        throw Error(node, $"{where} '{text}' is not one of {string.Join(", ", choices.Select(c => c.Name))}");
    }

    /// <summary>One item or a list of them; <paramref name="shape"/> says what else it should have been.</summary>
    public IReadOnlyList<string> Strings(YamlNode node, string where, string shape) => node switch
    {
        YamlScalarNode => [Scalar(node, where)],
        YamlSequenceNode list => list.Children.Select(item => Scalar(item, $"each item of {where}")).ToList(),
        _ => throw Error(node, $"{where} must be {shape}"),
    };
}
