namespace HelmUnstick.Sandbox.Patching;

/// <summary>A field that an apply would change although another manager owns it.</summary>
internal sealed record FieldConflict(string Manager, string Operation, string ApiVersion, string Path)
{
    /// <summary>The manager as the apiserver prints it: Update managers with the version they wrote.</summary>
    public string ManagerDisplay => Operation == "Update" ? $"\"{Manager}\" using {ApiVersion}" : $"\"{Manager}\"";
}
