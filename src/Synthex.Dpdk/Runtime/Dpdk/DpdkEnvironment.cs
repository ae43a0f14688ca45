using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>What <c>synthex info</c> reports about DPDK: version and the ports EAL can see.</summary>
public sealed record DpdkDescription(string? Version, IReadOnlyList<PortInfo> Ports, string? Error);

public static class DpdkEnvironment
{
    /// <summary>EAL arguments for a look around when none are given: no hugepages, no PCI scan, no shared files (--in-memory cannot be combined with --no-huge in DPDK 22.11).</summary>
    public static readonly string[] DefaultProbeArgs = ["-l", "0", "--no-huge", "--no-pci", "--no-shconf", "--log-level=lib.eal:error"];

    /// <summary>Initialises EAL with <paramref name="ealArgs"/> (or <see cref="DefaultProbeArgs"/>), lists the ports, cleans up.</summary>
    public static DpdkDescription Describe(IReadOnlyList<string> ealArgs)
    {
        string? version;
        try { version = EalSession.Version; }
        catch (DllNotFoundException e) { return new(null, [], $"DPDK libraries not found: {e.Message}"); }
        try
        {
            using var eal = EalSession.Init(ealArgs.Count > 0 ? ealArgs : DefaultProbeArgs);
            var ports = DpdkPort.Enumerate();
            var infos = ports.Select(p => p.Info).ToArray();
            foreach (var p in ports) p.Dispose();
            return new(version, infos, null);
        }
        catch (Exception e) when (e is EnvironmentException or DllNotFoundException)
        {
            return new(version, [], e.Message);
        }
    }
}
