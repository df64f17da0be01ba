using Microsoft.AspNetCore.Routing;

namespace HelmUnstick.Sandbox;

/// <summary>How to start a <see cref="SandboxServer"/>.</summary>
public sealed record SandboxOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>How long every request waits before it is served, as on an API server that far away; zero by default.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Objects to seed the store with.</summary>
    public Scenario? Scenario { get; init; }

    /// <summary>
    /// Bearer token to user. When null every request is allowed anonymously; when set, a missing or unknown
    /// token is answered 401 and a request outside the user's rules 403.
    /// </summary>
    public IReadOnlyDictionary<string, SandboxUser>? Users { get; init; }

    /// <summary>
    /// With <see cref="Users"/>, the user of requests that carry no bearer token at all, as kubectl and Helm send them
    /// over plain HTTP (client-go keeps tokens off unencrypted connections); null answers them 401.
    /// </summary>
    public SandboxUser? Anonymous { get; init; }

    /// <summary>Maps extra endpoints onto the server before it starts; they take precedence over the Kubernetes API.</summary>
    public Action<IEndpointRouteBuilder>? ConfigureEndpoints { get; init; }
}

/// <summary>An authenticated user and what it may do.</summary>
public sealed record SandboxUser(string Name, IReadOnlyList<AccessRule> Rules)
{
    /// <summary>A user that may do everything.</summary>
    public static SandboxUser Admin(string name) => new(name, [AccessRule.Everything]);

    internal bool Allows(string verb, string resource) => Rules.Any(rule => rule.Allows(verb, resource));
}

/// <summary>Verbs (get, list, watch, create, update, patch, delete) on resources (plural names); "*" matches all.</summary>
public sealed record AccessRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> Resources)
{
    public static AccessRule Everything { get; } = new(["*"], ["*"]);

    internal bool Allows(string verb, string resource) =>
        (Verbs.Contains("*") || Verbs.Contains(verb)) && (Resources.Contains("*") || Resources.Contains(resource));
}
