namespace HelmUnstick.Sandbox.Patching;

/// <summary>The object after a server-side apply, or the conflicts that prevented it.</summary>
internal sealed record ServerSideApplyResult(JsonObject? Object, IReadOnlyList<FieldConflict> Conflicts)
{
    public bool Succeeded => Conflicts.Count == 0;

    /// <summary>The message of the apiserver's 409, e.g.
    /// <c>Apply failed with 1 conflict: conflict with "helm" using apps/v1: .spec.replicas</c>.</summary>
    public string ConflictMessage
    {
        get
        {
            string prefix = $"Apply failed with {Conflicts.Count} conflict{(Conflicts.Count == 1 ? "" : "s")}: ";
            if (Conflicts.Count == 1)
            {
                return prefix + $"conflict with {Conflicts[0].ManagerDisplay}: {Conflicts[0].Path}";
            }

            var lines = Conflicts
                .GroupBy(c => c.ManagerDisplay)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => g.Select(c => "- " + c.Path).Prepend($"conflicts with {g.Key}:"));
            return prefix + string.Join("\n", lines);
        }
    }

    /// <summary>The <c>Status</c> body of the 409 the apiserver answers with.</summary>
    public JsonObject ToConflictStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = ConflictMessage,
        ["reason"] = "Conflict",
        ["details"] = new JsonObject
        {
            ["causes"] = new JsonArray([.. Conflicts.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with {c.ManagerDisplay}",
                ["field"] = c.Path,
            })]),
        },
        ["code"] = 409,
    };
}
