namespace HelmUnstick.Sandbox.Patching;

/// <summary>How a list field merges, as declared by <c>patchStrategy</c>/<c>patchMergeKey</c> in k8s.io/api.</summary>
internal sealed record ListMergeStrategy(ListMergeKind Kind, string? MergeKey = null)
{
    public static readonly ListMergeStrategy Atomic = new(ListMergeKind.Atomic);
    public static readonly ListMergeStrategy PrimitiveSet = new(ListMergeKind.PrimitiveSet);

    public static ListMergeStrategy ByKey(string mergeKey) => new(ListMergeKind.MergeByKey, mergeKey);
}

internal enum ListMergeKind
{
    /// <summary>The patch replaces the whole list.</summary>
    Atomic,

    /// <summary>Object items are matched by a merge key and merged one by one.</summary>
    MergeByKey,

    /// <summary>Primitive items are unioned (e.g. <c>metadata.finalizers</c>).</summary>
    PrimitiveSet,
}
