namespace HelmUnstick.Engine.Ci;

/// <summary>A configuration problem, worded as the single line shown to the operator.</summary>
public sealed class CiConfigException(string message) : Exception(message);
