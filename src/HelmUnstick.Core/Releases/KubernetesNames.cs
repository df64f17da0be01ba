using System.Text.RegularExpressions;

namespace HelmUnstick.Core.Releases;

/// <summary>
/// The naming rules Kubernetes and Helm apply, checked before a name reaches a URL path or a label selector:
/// <c>x/../other</c> or <c>ns?x=1</c> must never become another request.
/// </summary>
public static partial class KubernetesNames
{
    /// <summary>Helm's rule for release names (<c>helm install</c> refuses anything else).</summary>
    public const string ReleaseRule = "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 53 characters";

    /// <summary>Kubernetes' rule for namespaces (an RFC 1123 label).</summary>
    public const string NamespaceRule = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

    /// <summary>Kubernetes' rule for most object names, Secrets' included (an RFC 1123 subdomain).</summary>
    public const string ObjectNameRule = "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";

    public static bool IsObjectName(string? name) => name is { Length: > 0 and <= 253 } && ReleaseName().IsMatch(name);

    /// <summary>One line saying why <paramref name="name"/> is not an object name, or null when it is one.</summary>
    public static string? ObjectNameProblem(string? name) =>
        IsObjectName(name) ? null : $"{Quoted(name)} is not a Kubernetes object name ({ObjectNameRule})";

    public static bool IsReleaseName(string? name) => name is { Length: > 0 and <= 53 } && ReleaseName().IsMatch(name);

    public static bool IsNamespace(string? name) => name is { Length: > 0 and <= 63 } && Label().IsMatch(name);

    /// <summary>One line saying why <paramref name="name"/> is not a release name, or null when it is one.</summary>
    public static string? ReleaseNameProblem(string? name) =>
        IsReleaseName(name) ? null : $"{Quoted(name)} is not a Helm release name ({ReleaseRule})";

    /// <summary>One line saying why <paramref name="name"/> is not a namespace, or null when it is one.</summary>
    public static string? NamespaceProblem(string? name) =>
        IsNamespace(name) ? null : $"{Quoted(name)} is not a Kubernetes namespace name ({NamespaceRule})";

    /// <summary>The name in quotes with control characters spelled out: a refused name must not break the one error line.</summary>
    public static string Quoted(string? name) =>
        $"'{string.Concat((name ?? "").Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))}'";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
