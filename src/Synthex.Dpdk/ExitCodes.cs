namespace Synthex.Dpdk;

/// <summary>The process exit codes promised by DESIGN.md; scripts and CI depend on them.</summary>
public static class ExitCodes
{
    /// <summary>The run finished (duration elapsed, or stopped by SIGINT/SIGTERM).</summary>
    public const int Ok = 0;
    /// <summary>Something failed while running.</summary>
    public const int Failure = 1;
    /// <summary>Bad usage or configuration; the message names the option or key.</summary>
    public const int BadConfiguration = 2;
    /// <summary>The environment cannot run it (no hugepages, EAL init failed, no port); the message says what to do.</summary>
    public const int BadEnvironment = 3;
}

/// <summary>
/// A configuration value is wrong. Raised before anything starts (before EAL init); the CLI
/// prints <see cref="Exception.Message"/> and exits <see cref="ExitCodes.BadConfiguration"/>.
/// </summary>
public sealed class ConfigurationException(string key, string message) : Exception($"{key}: {message}")
{
    /// <summary>The configuration key (as written in the JSON file) the error is about.</summary>
    public string Key { get; } = key;
}

/// <summary>
/// The host cannot run what was asked: EAL init failed, no port, no hugepages, io_uring
/// forbidden. The message names the call and says what to try; the CLI exits
/// <see cref="ExitCodes.BadEnvironment"/>.
/// </summary>
public sealed class EnvironmentException(string message, Exception? inner = null) : Exception(message, inner);
