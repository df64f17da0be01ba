using System.Text.Json.Nodes;

namespace HelmUnstick.Core.Explain;

/// <summary>What one release revision says: its chart, its user values (<c>config</c>) and its rendered manifest.</summary>
/// <param name="Manifest">The release's <c>manifest</c> field. Helm keeps hooks in <c>hooks[]</c>, so they are not here.</param>
public sealed record RevisionSnapshot(
    int Revision,
    string ChartName,
    string ChartVersion,
    string? AppVersion,
    JsonObject? Values,
    string Manifest);
