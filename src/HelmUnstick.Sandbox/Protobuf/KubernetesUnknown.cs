namespace HelmUnstick.Sandbox.Protobuf;

/// <summary>The apimachinery <c>runtime.Unknown</c> that follows the <c>k8s\0</c> magic of a protobuf body.</summary>
internal sealed record KubernetesUnknown(
    string ApiVersion,
    string Kind,
    byte[] Raw,
    string ContentEncoding = "",
    string ContentType = "");
