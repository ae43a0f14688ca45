namespace Synthex.Load;

/// <summary>A bad option of <c>synthex load</c>; the message names it (exit code 2).</summary>
public sealed class LoadConfigurationException(string message) : Exception(message);
