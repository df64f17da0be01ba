using System.Text.RegularExpressions;

namespace HelmUnstick.Sandbox;

/// <summary>A parsed <c>labelSelector</c>: requirements joined by commas, all of which must hold.</summary>
internal sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> _requirements;

    private LabelSelector(IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> requirements) =>
        _requirements = requirements;

    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(JsonObject obj)
    {
        var labels = (obj["metadata"]?["labels"] as JsonObject)?
            .Where(label => label.Value is not null)
            .ToDictionary(label => label.Key, label => label.Value!.ToString()) ?? [];
        return _requirements.All(requirement => requirement(labels));
    }

    public static LabelSelector Parse(string? text)
    {
        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var part in SplitTopLevel(text ?? ""))
        {
            requirements.Add(ParseRequirement(part.Trim()));
        }

        return new LabelSelector(requirements);
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part)
    {
        if (SetRequirement().Match(part) is { Success: true } set)
        {
            var key = set.Groups["key"].Value;
            var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries).Where(v => v.Length > 0).ToHashSet();
            var isIn = set.Groups["op"].Value == "in";
            return labels => isIn
                ? labels.TryGetValue(key, out var value) && values.Contains(value)
                : !labels.TryGetValue(key, out var other) || !values.Contains(other);
        }

        if (EqualityRequirement().Match(part) is { Success: true } equality)
        {
            var key = equality.Groups["key"].Value;
            var value = equality.Groups["value"].Value;
            return equality.Groups["op"].Value == "!="
                ? labels => !labels.TryGetValue(key, out var other) || other != value
                : labels => labels.TryGetValue(key, out var other) && other == value;
        }

        if (ExistsRequirement().Match(part) is { Success: true } exists)
        {
            var key = exists.Groups["key"].Value;
            return exists.Groups["not"].Success ? labels => !labels.ContainsKey(key) : labels => labels.ContainsKey(key);
        }

        throw ApiErrors.BadRequest($"unable to parse requirement: found '{part}', expected: in, notin, =, ==, !=, gt, lt");
    }

    /// <summary>Splits on commas that are not inside the parentheses of an <c>in (a,b)</c> set.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        if (text[start..].Trim().Length > 0)
        {
            yield return text[start..];
        }
    }

    private const string Key = @"(?<key>([A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)";

    [GeneratedRegex(@"^" + Key + @"\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^" + Key + @"\s*(?<op>==|!=|=)\s*(?<value>[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?|)$")]
    private static partial Regex EqualityRequirement();

    [GeneratedRegex(@"^(?<not>!)?\s*" + Key + "$")]
    private static partial Regex ExistsRequirement();
}

/// <summary>A parsed <c>fieldSelector</c> over <c>metadata.name</c> and <c>metadata.namespace</c>.</summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string Field, bool Equal, string Value)> terms) => _terms = terms;

    public bool IsEmpty => _terms.Count == 0;

    public bool Matches(JsonObject obj) => _terms.All(term =>
    {
        var actual = obj["metadata"]?[term.Field["metadata.".Length..]]?.GetValue<string>() ?? "";
        return (actual == term.Value) == term.Equal;
    });

    public static FieldSelector Parse(string? text)
    {
        var terms = new List<(string, bool, string)>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (op, index) = part.IndexOf("!=", StringComparison.Ordinal) is var ne and >= 0 ? ("!=", ne)
                : part.IndexOf("==", StringComparison.Ordinal) is var eq2 and >= 0 ? ("==", eq2)
                : ("=", part.IndexOf('='));
            if (index < 0)
            {
                throw ApiErrors.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }

            var field = part[..index].Trim();
            var value = part[(index + op.Length)..].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw ApiErrors.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, op != "!=", value));
        }

        return new FieldSelector(terms);
    }
}
