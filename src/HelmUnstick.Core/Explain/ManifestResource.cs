using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>Identifies a Kubernetes object the way an SRE names it: kind, namespace (null when cluster-scoped) and name.</summary>
public readonly record struct ResourceKey(string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>One object of a rendered manifest, with its body as Kubernetes would read the YAML.</summary>
public sealed record ManifestResource(string Kind, string ApiVersion, string? Namespace, string Name, JsonObject Body)
{
    public ResourceKey Key => new(Kind, Namespace, Name);
}
