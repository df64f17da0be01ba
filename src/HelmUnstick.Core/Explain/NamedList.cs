using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>Recognises lists whose items are identified by a unique <c>name</c> (containers, env, ports, volumes…).</summary>
internal static class NamedList
{
    public static bool TryGetNames(JsonArray list, out IReadOnlyList<string> names)
    {
        var found = new List<string>(list.Count);
        foreach (var item in list)
        {
            if (item is not JsonObject entry || entry["name"] is not JsonValue value
                || !value.TryGetValue<string>(out var name) || found.Contains(name))
            {
                names = [];
                return false;
            }

            found.Add(name);
        }

        names = found;
        return found.Count > 0;
    }
}
