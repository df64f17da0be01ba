using System.Globalization;
using HelmUnstick.Core;
using HelmUnstick.Core.Diagnosis;
using HelmUnstick.Core.Policy;
using HelmUnstick.Core.Remediation;
using HelmUnstick.Engine.Unstick;
using HelmUnstick.Engine.Wording;
using HelmUnstick.Engine.Yaml;
using YamlDotNet.RepresentationModel;

namespace HelmUnstick.Engine.Serve;

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

    private static readonly (string, PolicyAction)[] Actions = [("alert", PolicyAction.Alert), ("fix", PolicyAction.Fix)];

    /// <summary>The names <c>fix --strategy</c> takes.</summary>
    private static readonly (string, RemediationStrategy)[] Strategies = StrategyNames.All.Select(s => (StrategyNames.Of(s), s)).ToArray();

    public static RemediationPolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"{path}: cannot read the policy file: {e.Message}");
        }

        return Parse(text, path);
    }

    public static RemediationPolicy Parse(string yaml, string fileName)
    {
        var reader = new YamlFileReader(fileName, problem => new EngineException(UnstickFailure.InvalidRequest, problem));
        if (reader.LoadRoot(yaml) is not { } document)
        {
            throw new EngineException(UnstickFailure.InvalidRequest, $"{fileName}:1: the policy is empty; it needs 'rules' (without --policy, serve only alerts)");
        }

        var root = reader.Mapping(document, "the top level");
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

    private static int? ReadLimits(YamlFileReader reader, YamlNode node)
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

    private static PolicyRule ReadRule(YamlFileReader reader, YamlNode node, string where)
    {
        IReadOnlyList<string> namespaces = ["*"], releases = ["*"];
        var action = PolicyAction.Alert;
        var strategy = RemediationStrategy.Delete;
        var staleAfter = StuckReleaseRule.DefaultStaleAfter;
        TimeSpan? helmTimeout = null;
        var skipCiCheck = false;
        YamlNode? skipCiCheckNode = null;
        string? reason = null;
        foreach (var (name, key, value, at) in reader.Fields(node, where))
        {
            switch (name)
            {
                case "namespaces": namespaces = Globs(reader, value, at); break;
                case "releases": releases = Globs(reader, value, at); break;
                case "action": action = reader.OneOf(value, at, Actions); break;
                case "strategy": strategy = reader.OneOf(value, at, Strategies); break;
                case "staleAfter": staleAfter = Duration(reader, value, at); break;
                case "helmTimeout": helmTimeout = Duration(reader, value, at); break;
                case "reason": reason = reader.Scalar(value, at); break;
                case "skipCiCheck":
                    skipCiCheckNode = value;
                    skipCiCheck = reader.Scalar(value, at) switch
                    {
                        "true" => true,
                        "false" => false,
                        var other => throw reader.Error(value, $"{at} '{other}' is not true or false"),
                    };
                    break;
                case "force":
                    throw reader.Error(key, $"{where}: a policy has no 'force': a fix that a check blocks stays blocked (run fix --force by hand)");
                default:
                    throw reader.UnknownKey(key, name, where, RuleKeys);
            }
        }

        if (skipCiCheck && string.IsNullOrWhiteSpace(reason))
        {
            throw reader.Error(skipCiCheckNode!, $"{where}.skipCiCheck needs a 'reason' (it goes into the audit log)");
        }

        return new PolicyRule(namespaces, releases, action, strategy, staleAfter, helmTimeout, skipCiCheck, reason, (int)node.Start.Line);
    }

    private static IReadOnlyList<string> Globs(YamlFileReader reader, YamlNode node, string where)
    {
        var globs = reader.Strings(node, where, "a glob or a list of globs");
        return globs.Count > 0 ? globs : throw reader.Error(node, $"{where} must not be empty (leave it out to match everything)");
    }

    private static TimeSpan Duration(YamlFileReader reader, YamlNode node, string where)
    {
        var text = reader.Scalar(node, where);
        return GoDuration.TryParse(text, out var value)
            ? value
            : throw reader.Error(node, $"{where} '{text}' is not a duration; use Go's form, for example 90s, 15m or 1h");
    }
}
