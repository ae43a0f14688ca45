using System.Runtime.CompilerServices;
using System.Globalization;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Output port per input port, as an inline array inside the app struct: the lookup is one
/// load from the worker's own copy, no shared memory, no bounds check against a heap array.
/// <see cref="NoRoute"/> marks inputs with no output.
/// </summary>
[InlineArray(FrameMeta.MaxPorts)]
public struct PortMap
{
    public const ushort NoRoute = ushort.MaxValue;
    private ushort _e;

    /// <summary>Builds the map for <paramref name="topology"/> over the ports the backend found.</summary>
    /// <exception cref="ConfigurationException">The topology does not fit the ports.</exception>
    public static PortMap Build(AppOptions settings, IReadOnlyList<PortInfo> ports)
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
                foreach (var (input, output) in Parse(settings.PortMap ?? ""))
                {
                    if (!Has(ports, input) || !Has(ports, output))
                        throw new ConfigurationException("port-map", $"{input}:{output} names a port that does not exist; ports are {string.Join(", ", ports.Select(p => p.Id))}");
                    map[input] = (ushort)output;
                }
                break;
        }
        return map;
    }

    /// <summary>Parses <c>"0:1,1:0"</c> into (input, output) pairs.</summary>
    public static IReadOnlyList<(int In, int Out)> Parse(string text)
    {
        var pairs = new List<(int, int)>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int o)
                || i >= FrameMeta.MaxPorts || o >= FrameMeta.MaxPorts)
                throw new ConfigurationException("port-map", $"'{item}' is not IN:OUT with ports 0..{FrameMeta.MaxPorts - 1} (e.g. \"0:1,1:0\")");
            pairs.Add((i, o));
        }
        return pairs;
    }

    private static bool Has(IReadOnlyList<PortInfo> ports, int id) => ports.Any(p => p.Id == id);
}

/// <summary>A MAC per port (in <see cref="Packets.MacAddress.Value"/> form), inline like <see cref="PortMap"/>.</summary>
[InlineArray(FrameMeta.MaxPorts)]
public struct MacTable
{
    private ulong _e;

    /// <summary>Parses <c>"0=02:00:00:00:00:10,1=..."</c> into (port, MAC) pairs.</summary>
    public static IReadOnlyList<(int Port, ulong Mac)> ParsePeers(string text)
    {
        var pairs = new List<(int, ulong)>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port >= FrameMeta.MaxPorts
                || !Packets.MacAddress.TryParse(parts[1], out var mac))
                throw new ConfigurationException("peer-macs", $"'{item}' is not PORT=MAC (e.g. \"0=02:00:00:00:00:10\")");
            pairs.Add((port, mac.Value));
        }
        return pairs;
    }
}
