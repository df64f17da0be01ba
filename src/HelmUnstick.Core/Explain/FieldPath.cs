using System.Text.RegularExpressions;

namespace HelmUnstick.Core.Explain;

/// <summary>
/// Builds readable paths such as <c>spec.template.spec.containers[name=web].image</c> or
/// <c>metadata.labels["app.kubernetes.io/name"]</c>.
/// </summary>
internal static partial class FieldPath
{
    public static string Property(string parent, string name)
    {
        if (NamedItemKey.TryParse(name, out var itemName))
        {
            return $"{parent}[name={itemName}]";
        }

        if (PlainName().IsMatch(name))
        {
            return parent.Length == 0 ? name : $"{parent}.{name}";
        }

        return $"{parent}[\"{name.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"]";
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    public static string Named(string parent, string name) => $"{parent}[name={name}]";

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$-]*$")]
    private static partial Regex PlainName();
}

/// <summary>
/// Kubernetes merges lists such as <c>containers</c>, <c>env</c>, <c>ports</c> and <c>volumes</c> by <c>name</c>.
/// Before diffing, such a list becomes an object keyed <c>[name=X]</c>, so a change is reported against the item's
/// name rather than its position.
/// </summary>
internal static class NamedItemKey
{
    private const string Prefix = "[name=";

    public static string For(string name) => $"{Prefix}{name}]";

    public static bool TryParse(string key, out string name)
    {
        var isNamed = key.StartsWith(Prefix, StringComparison.Ordinal) && key.EndsWith(']');
        name = isNamed ? key[Prefix.Length..^1] : "";
        return isNamed;
    }
}
