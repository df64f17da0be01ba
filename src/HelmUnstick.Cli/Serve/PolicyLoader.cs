using System.Globalization;
using HelmUnstick.Core;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Remediation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HelmUnstick.Cli.Serve;

/// <summary>
/// Reads a <c>serve --policy</c> file. Walked node by node, not deserialized, so that every problem (a misspelt
/// key included) is one line <c>file:line: problem</c>: a typo in a policy must never silently widen what is fixed.
/// </summary>
/// <example>
/// rules:
///   - namespaces: ["*-cny"]
///     action: fix
///     strategy: delete
///     staleAfter: 15m
/// limits:
///   maxFixesPerHour: 5
/// </example>
internal static class PolicyLoader
{
    private static readonly string[] RuleKeys = ["namespaces", "releases", "action", "strategy", "staleAfter", "helmTimeout", "skipCiCheck", "reason"];

    public static RemediationPolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"{path}: cannot read the policy file: {e.Message}");
        }

        return Parse(text, path);
    }

    public static RemediationPolicy Parse(string yaml, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new CliException(ExitCodes.Usage, $"{fileName}:{e.Start.Line}: invalid YAML: {(e.InnerException?.Message ?? e.Message).Split('\n')[0].Trim()}");
        }

        var reader = new Reader(fileName);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new CliException(ExitCodes.Usage, $"{fileName}:1: the policy is empty; it needs 'rules' (without --policy, serve only alerts)");
        }

        var root = reader.Mapping(stream.Documents[0].RootNode, "the top level");
        var rules = new List<PolicyRule>();
        int? maxFixesPerHour = null;
        var sawRules = false;
        foreach (var (key, value) in root.Children)
        {
            switch (reader.Key(key))
            {
                case "rules":
                    sawRules = true;
                    var list = value as YamlSequenceNode ?? throw reader.Error(value, "rules must be a list of rules");
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        rules.Add(ReadRule(reader, list.Children[i], $"rules[{i}]"));
                    }

                    break;
                case "limits":
                    maxFixesPerHour = ReadLimits(reader, value);
                    break;
                case var name:
                    throw reader.Error(key, $"unknown key '{name}' at the top level (expected rules, limits)");
            }
        }

        if (!sawRules)
        {
            throw reader.Error(root, "missing 'rules' (a list; the first rule that matches a release decides)");
        }

        return new RemediationPolicy(rules, maxFixesPerHour);
    }

    private static int? ReadLimits(Reader reader, YamlNode node)
    {
        int? max = null;
        foreach (var (key, value) in reader.Mapping(node, "limits").Children)
        {
            var name = reader.Key(key);
            if (name != "maxFixesPerHour")
            {
                throw reader.Error(key, $"unknown key '{name}' under limits (expected maxFixesPerHour)");
            }

            var text = reader.Scalar(value, "limits.maxFixesPerHour");
            max = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw reader.Error(value, $"limits.maxFixesPerHour '{text}' is not a whole number of 0 or more");
        }

        return max;
    }

    private static PolicyRule ReadRule(Reader reader, YamlNode node, string where)
    {
        IReadOnlyList<string> namespaces = ["*"], releases = ["*"];
        var action = PolicyAction.Alert;
        var strategy = RemediationStrategy.Delete;
        var staleAfter = StuckReleaseRule.DefaultStaleAfter;
        TimeSpan? helmTimeout = null;
        var skipCiCheck = false;
        YamlNode? skipCiCheckNode = null;
        string? reason = null;
        foreach (var (key, value) in reader.Mapping(node, where).Children)
        {
            switch (reader.Key(key))
            {
                case "namespaces":
                    namespaces = reader.Strings(value, $"{where}.namespaces");
                    break;
                case "releases":
                    releases = reader.Strings(value, $"{where}.releases");
                    break;
                case "action":
                    action = reader.Scalar(value, $"{where}.action") switch
                    {
                        "alert" => PolicyAction.Alert,
                        "fix" => PolicyAction.Fix,
                        var other => throw reader.Error(value, $"{where}.action '{other}' is not one of alert, fix"),
                    };
                    break;
                case "strategy":
                    strategy = reader.Scalar(value, $"{where}.strategy") switch
                    {
                        "delete" => RemediationStrategy.Delete,
                        "mark-failed" => RemediationStrategy.MarkFailed,
                        var other => throw reader.Error(value, $"{where}.strategy '{other}' is not one of delete, mark-failed"),
                    };
                    break;
                case "staleAfter":
                    staleAfter = reader.Duration(value, $"{where}.staleAfter");
                    break;
                case "helmTimeout":
                    helmTimeout = reader.Duration(value, $"{where}.helmTimeout");
                    break;
                case "skipCiCheck":
                    skipCiCheckNode = value;
                    skipCiCheck = reader.Scalar(value, $"{where}.skipCiCheck") switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw reader.Error(value, $"{where}.skipCiCheck '{other}' is not true or false"),
                    };
                    break;
                case "reason":
                    reason = reader.Scalar(value, $"{where}.reason");
                    break;
                case "force":
                    throw reader.Error(key, $"{where}: a policy has no 'force': a fix that a check blocks stays blocked (run fix --force by hand)");
                case var name:
                    throw reader.Error(key, $"unknown key '{name}' under {where} (expected one of {string.Join(", ", RuleKeys)})");
            }
        }

        if (skipCiCheck && reason is null)
        {
            throw reader.Error(skipCiCheckNode!, $"{where}.skipCiCheck needs a 'reason' (it goes into the audit log)");
        }

        return new PolicyRule(namespaces, releases, action, strategy, staleAfter, helmTimeout, skipCiCheck, reason, (int)node.Start.Line);
    }

    private sealed class Reader(string fileName)
    {
        public CliException Error(YamlNode node, string problem) => new(ExitCodes.Usage, $"{fileName}:{node.Start.Line}: {problem}");

        public YamlMappingNode Mapping(YamlNode node, string where) =>
            node as YamlMappingNode ?? throw Error(node, $"{where} must be a mapping");

        public string Key(YamlNode node) =>
            node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, "keys must be non-empty text");

        public string Scalar(YamlNode node, string where) =>
            node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, $"{where} must be non-empty text");

        public IReadOnlyList<string> Strings(YamlNode node, string where)
        {
            var items = node switch
            {
                YamlScalarNode => [Scalar(node, where)],
                YamlSequenceNode list => list.Children.Select(item => Scalar(item, $"each item of {where}")).ToList(),
                _ => throw Error(node, $"{where} must be a glob or a list of globs"),
            };
            return items.Count > 0 ? items : throw Error(node, $"{where} must not be empty (leave it out to match everything)");
        }

        public TimeSpan Duration(YamlNode node, string where)
        {
            var text = Scalar(node, where);
            return GoDuration.TryParse(text, out var value)
                ? value
                : throw Error(node, $"{where} '{text}' is not a duration; use Go's form, for example 90s, 15m or 1h");
        }
    }
}
