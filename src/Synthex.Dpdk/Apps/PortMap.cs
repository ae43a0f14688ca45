using System.Runtime.CompilerServices;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Output port per input port, as an inline array inside the app struct: the lookup is one
/// load from the worker's own copy, no shared memory, no bounds check against a heap array.
/// <see cref="NoRoute"/> marks inputs with no output.
/// </summary>
[InlineArray(RunSettings.MaxPorts)]
public struct PortMap
{
    public const ushort NoRoute = ushort.MaxValue;
    private ushort _e;

    /// <summary>Builds the map for <paramref name="topology"/> over the ports the backend found.</summary>
    /// <exception cref="ConfigurationException">The topology does not fit the ports.</exception>
    public static PortMap Build(RunSettings settings, IReadOnlyList<PortInfo> ports)
    {
        var map = new PortMap();
        ((Span<ushort>)map).Fill(NoRoute);
        var topology = settings.Topology;
        if (topology == PortTopology.Auto)
        {
            topology = ports.Count == 1 ? PortTopology.Loop
                : ports.Count % 2 == 0 ? PortTopology.Paired
                : throw new ConfigurationException("topology",
                    $"{ports.Count} ports cannot be paired; use topology 'loop' or 'map' (e.g. --port-map 0:1,1:2,2:0)");
        }
        switch (topology)
        {
            case PortTopology.Loop:
                foreach (var p in ports) map[p.Id] = (ushort)p.Id;
                break;
            case PortTopology.Paired:
                if (ports.Count % 2 != 0)
                    throw new ConfigurationException("topology", $"paired needs an even number of ports, found {ports.Count}; use 'loop' or 'map'");
                for (int i = 0; i + 1 < ports.Count; i += 2)
                {
                    map[ports[i].Id] = (ushort)ports[i + 1].Id;
                    map[ports[i + 1].Id] = (ushort)ports[i].Id;
                }
                break;
            case PortTopology.Map:
                foreach (var (input, output) in RunSettings.ParsePortMap(settings.PortMap ?? ""))
                {
                    if (!Has(ports, input) || !Has(ports, output))
                        throw new ConfigurationException("port-map", $"{input}:{output} names a port that does not exist; ports are {string.Join(", ", ports.Select(p => p.Id))}");
                    map[input] = (ushort)output;
                }
                break;
        }
        return map;
    }

    private static bool Has(IReadOnlyList<PortInfo> ports, int id) => ports.Any(p => p.Id == id);
}

/// <summary>A MAC per port (in <see cref="Packets.MacAddress.Value"/> form), inline like <see cref="PortMap"/>.</summary>
[InlineArray(RunSettings.MaxPorts)]
public struct MacTable
{
    private ulong _e;
}
