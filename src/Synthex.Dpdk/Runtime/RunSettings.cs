using System.Globalization;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Everything one run needs, bound once from the JSON file, <c>SYNTHEX_</c> environment
/// variables and command-line options (in that order of precedence, last wins), and validated
/// by <see cref="Validate"/> before any backend starts. Immutable after binding.
/// </summary>
/// <remarks>
/// Each property is one configuration key, written in kebab-case as the option is:
/// <c>"stats-interval": 2</c> in the JSON file (camelCase <c>"statsInterval"</c> works too),
/// <c>SYNTHEX_STATS_INTERVAL=2</c>, or <c>--stats-interval 2</c>. Errors name that key.
/// </remarks>
public sealed record RunSettings
{
    /// <summary>Application name (see <c>synthex run --help</c> for the list).</summary>
    public string App { get; init; } = "forward";

    /// <summary>Mode of apps that have modes (<c>forward</c>: io, macswap, l2fwd). Null: the app's default.</summary>
    public string? Mode { get; init; }

    /// <summary>auto, dpdk, io-uring or socket.</summary>
    public string Backend { get; init; } = "auto";

    /// <summary>ADDR:PORT the OS backends bind to.</summary>
    public string Listen { get; init; } = "0.0.0.0:9000";

    /// <summary>
    /// The appliance's own addresses on DPDK ports, comma-separated <c>ADDR/PREFIX[@PORT]</c>
    /// (<c>"10.0.0.1/24,fd00::1/64"</c>): the endpoint answers ARP, neighbour solicitations and
    /// echo for them and takes the service's UDP addressed to them. Null: no address; UDP for
    /// the service port is taken whatever its destination, and nothing else is answered.
    /// </summary>
    public string? Address { get; init; }

    /// <summary>Largest IP packet on DPDK ports, 68..9000 bytes (default 1500); the mbufs are sized for it.</summary>
    public int Mtu { get; init; } = DefaultMtu;

    public const int DefaultMtu = 1500;
    public const int MaxMtu = 9000;

    /// <summary>The service's UDP port: the port of <see cref="Listen"/>, on every backend.</summary>
    public ushort ServicePort => TryParseListen(Listen, out _, out int port) ? (ushort)port : (ushort)0;

    /// <summary>Seconds to run; 0: until SIGINT/SIGTERM.</summary>
    public double Duration { get; init; }

    /// <summary>Packets per rx_burst, 1..512.</summary>
    public int Burst { get; init; } = 32;

    /// <summary>Seconds between live lines; 0 turns the live line off.</summary>
    public double StatsInterval { get; init; } = 1;

    /// <summary>Where to write the JSON report when the run ends. Null: not written.</summary>
    public string? StatsJson { get; init; }

    /// <summary>Port topology for <c>forward</c>.</summary>
    public PortTopology Topology { get; init; } = PortTopology.Auto;

    /// <summary>Explicit map for <see cref="PortTopology.Map"/>: <c>"0:1,1:0,2:2"</c> (input:output).</summary>
    public string? PortMap { get; init; }

    /// <summary>
    /// Destination MACs for <c>l2fwd</c>, by output port: <c>"0=02:00:00:00:00:10,1=..."</c>.
    /// Ports not listed get DPDK l2fwd's default <c>02:00:00:00:00:&lt;port&gt;</c>.
    /// </summary>
    public string? PeerMacs { get; init; }

    /// <summary>
    /// DPDK ports to use, by name or id (<c>"net_null0,0000:03:00.0"</c> or <c>"0,1"</c>), in
    /// this order; null: every port EAL found, in port-id order.
    /// </summary>
    public string? Ports { get; init; }

    /// <summary>Put ports in promiscuous mode.</summary>
    public bool Promiscuous { get; init; } = true;

    /// <summary>RX queues per port (RSS spreads flows over them), 1..16; each worker owns whole queues.</summary>
    public int RxQueues { get; init; } = 1;

    /// <summary>RX descriptors per queue, 64..4096 (the driver may adjust).</summary>
    public int RxDescriptors { get; init; } = 1024;

    /// <summary>TX descriptors per queue, 64..4096 (the driver may adjust).</summary>
    public int TxDescriptors { get; init; } = 1024;

    /// <summary>Seconds to wait for links to come up, 0..60; a port still down then is reported, not fatal.</summary>
    public double LinkTimeout { get; init; } = 3;

    /// <summary>OS backends: worker threads (0: one per CPU, capped by the backend).</summary>
    public int Workers { get; init; }

    /// <summary>OS backends: pin worker <c>i</c> to CPU <c>i mod CPUs</c>.</summary>
    public bool PinCpus { get; init; }

    /// <summary>OS backends: receive buffers per worker (io_uring provided buffers), a power of two, 64..32768.</summary>
    public int Buffers { get; init; } = 2048;

    /// <summary>OS backends: bytes per receive buffer, 512..65536; larger datagrams are dropped as <c>truncated_datagram</c>.</summary>
    public int BufferSize { get; init; } = 2048;

    /// <summary><c>similarity</c>: the stored matrix, a .npy (float32 '&lt;f4', C order, N × D; mapped read-only) or .fvecs file.</summary>
    public string? Matrix { get; init; }

    /// <summary><c>similarity</c>: cosine or dot (default cosine).</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary><c>similarity</c>: the largest k a QUERY may ask for, 1..65535 (default 100).</summary>
    public int KMax { get; init; } = 100;

    /// <summary><c>similarity</c>: the projection P (M × D .npy) that PROJECT multiplies by; null: PROJECT not served.</summary>
    public string? Projection { get; init; }

    /// <summary>What the app is created with (the app-side keys of these settings).</summary>
    public AppOptions AppOptions => new(Mode, Topology, PortMap, PeerMacs, Address, ServicePort, Mtu, Matrix, Metric, KMax, Projection);

    /// <summary>Arguments after <c>--</c>, passed to <c>rte_eal_init</c> unchanged (plus a <c>--file-prefix</c> when none is given).</summary>
    public IReadOnlyList<string> EalArgs { get; init; } = [];

    /// <summary>Checks every value against its allowed range; throws <see cref="ConfigurationException"/> naming the key.</summary>
    public void Validate()
    {
        if (!AppCatalog.TryFind(App, out var app))
            throw new ConfigurationException("app", $"unknown app '{App}'; allowed: {AppCatalog.Names}");
        if (Mode is not null && !app.Modes.Contains(Mode, StringComparer.Ordinal))
            throw new ConfigurationException("mode", app.Modes.Count == 0
                ? $"app '{app.Name}' has no modes"
                : $"unknown mode '{Mode}' for app '{app.Name}'; allowed: {string.Join(", ", app.Modes)}");
        if (!BackendSelector.Names.Contains(Backend, StringComparer.Ordinal))
            throw new ConfigurationException("backend", $"unknown backend '{Backend}'; allowed: {string.Join(", ", BackendSelector.Names)}");
        Range("burst", Burst, 1, IPacketIo.MaxBurst);
        Range("rx-queues", RxQueues, 1, 16);
        Range("rx-descriptors", RxDescriptors, 64, 4096);
        Range("tx-descriptors", TxDescriptors, 64, 4096);
        Range("workers", Workers, 0, 256);
        Range("buffers", Buffers, 64, 32768);
        if (!int.IsPow2(Buffers))
            throw new ConfigurationException("buffers", $"{Buffers} is not a power of two (the io_uring buffer ring needs one), e.g. 1024, 2048, 4096");
        Range("buffer-size", BufferSize, 512, 65536);
        RangeD("duration", Duration, 0, 7 * 24 * 3600);
        RangeD("stats-interval", StatsInterval, 0, 3600);
        RangeD("link-timeout", LinkTimeout, 0, 60);
        if (!TryParseListen(Listen, out _, out _))
            throw new ConfigurationException("listen", $"'{Listen}' is not ADDR:PORT (e.g. 0.0.0.0:9000 or [::]:9000, port 1..65535)");
        if (Topology == PortTopology.Map && string.IsNullOrWhiteSpace(PortMap))
            throw new ConfigurationException("port-map", "topology 'map' needs a port map, e.g. \"0:1,1:0\"");
        if (PortMap is not null) _ = Apps.PortMap.Parse(PortMap);
        if (PeerMacs is not null) _ = MacTable.ParsePeers(PeerMacs);
        Range("mtu", Mtu, 68, MaxMtu);
        Range("k-max", KMax, 1, ushort.MaxValue);
        _ = Endpoint.OwnedAddress.ParseList(Address);
        if (Ports is not null && ParsePorts(Ports).Count == 0)
            throw new ConfigurationException("ports", "names no port; give names or ids, e.g. \"net_null0,net_null1\" or \"0,1\"");
    }

    /// <summary>Splits a port list (<c>"net_null0, 1"</c>) into names and ids.</summary>
    public static IReadOnlyList<string> ParsePorts(string text)
        => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Splits <c>ADDR:PORT</c> (IPv6 in brackets).</summary>
    public static bool TryParseListen(string text, out System.Net.IPAddress address, out int port)
    {
        address = System.Net.IPAddress.None;
        port = 0;
        if (!text.Contains(':') || !System.Net.IPEndPoint.TryParse(text, out var ep) || ep.Port == 0) return false;
        (address, port) = (ep.Address, ep.Port);
        return true;
    }

    private static void Range(string key, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new ConfigurationException(key, $"{value} is out of range; allowed {min}..{max}");
    }

    private static void RangeD(string key, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
            throw new ConfigurationException(key, $"{value.ToString(CultureInfo.InvariantCulture)} is out of range; allowed {min}..{max} seconds");
    }
}
