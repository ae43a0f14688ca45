using System.Globalization;
using Microsoft.Extensions.Configuration;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Cli.Configuration;

/// <summary>
/// Binds <see cref="RunSettings"/> from, in rising precedence, the JSON file (<c>--config</c>),
/// <c>SYNTHEX_</c> environment variables and command-line options. Every key is parsed here with
/// a message that names the key, where the value came from and what is allowed, so a bad value
/// exits 2 before anything starts.
/// </summary>
/// <remarks>
/// Key spellings are matched loosely (case, dashes and underscores ignored), so
/// <c>"stats-interval"</c>, <c>"statsInterval"</c> and <c>SYNTHEX_STATS_INTERVAL</c> are one key.
/// Unknown keys in the JSON file are errors (a typo must not be silently ignored); unknown
/// <c>SYNTHEX_</c> variables are not, since other tools share the prefix (<c>SYNTHEX_SIMD</c>).
/// </remarks>
internal static class SettingsBinder
{
    public const string EnvironmentPrefix = "SYNTHEX_";

    /// <summary>A configuration key: its canonical (option) name, help, and how it sets the settings.</summary>
    internal sealed record Key(string Name, string HelpName, string Help, Func<RunSettings, string, string, RunSettings> Apply);

    public static readonly Key[] Keys =
    [
        new("app", "NAME", "application: forward (port to port), reflect (answer the sender; a datagram app), frame-reflect (mirror every UDP/TCP frame), rendezvous (test service), similarity (top-k over --matrix)",
            (s, v, src) => s with { App = v }),
        new("mode", "NAME", "forward mode: io (untouched), macswap (swap MACs), l2fwd (peer/own MACs)",
            (s, v, src) => s with { Mode = v }),
        new("backend", "NAME", "auto | dpdk | io-uring | socket (auto: DPDK if EAL finds a port, else io_uring, else sockets)",
            (s, v, src) => s with { Backend = v }),
        new("listen", "ADDR:PORT", "UDP service address: bound by the OS backends; on DPDK its port is the service port (default 0.0.0.0:9000)",
            (s, v, src) => s with { Listen = v }),
        new("address", "ADDR/PREFIX[@PORT],...", "DPDK ports: the appliance's own addresses (ARP, ND, ping answered; UDP to them served), e.g. 10.0.0.1/24,fd00::1/64; none: UDP for the service port whatever its destination",
            (s, v, src) => s with { Address = v }),
        new("mtu", "BYTES", $"DPDK ports: largest IP packet, 68..{RunSettings.MaxMtu} (default 1500; mbufs are sized for it; larger datagrams are oversized drops)",
            (s, v, src) => s with { Mtu = Int("mtu", v, src, 68, RunSettings.MaxMtu) }),
        new("matrix", "FILE", "similarity: the stored matrix, .npy (float32 '<f4', C order, N x D; mapped read-only) or FAISS .fvecs",
            (s, v, src) => s with { Matrix = v }),
        new("metric", "NAME", "similarity: cosine | dot (default cosine)",
            (s, v, src) => s with { Metric = Enum<SimilarityMetric>("metric", v, src) }),
        new("k-max", "N", "similarity: the largest k a QUERY may ask for, 1..65535 (default 100)",
            (s, v, src) => s with { KMax = Int("k-max", v, src, 1, ushort.MaxValue) }),
        new("projection", "FILE", "similarity: the projection P (M x D .npy) PROJECT multiplies by (y = P.x); none: PROJECT is not served",
            (s, v, src) => s with { Projection = v }),
        new("duration", "SECONDS", "run time; 0 or absent: until SIGINT/SIGTERM",
            (s, v, src) => s with { Duration = Double("duration", v, src, 0, 7 * 24 * 3600) }),
        new("burst", "N", "packets per rx_burst, 1..512 (default 32)",
            (s, v, src) => s with { Burst = Int("burst", v, src, 1, Pipeline.IPacketIo.MaxBurst) }),
        new("stats-interval", "SECONDS", "seconds between live lines; 0: none (default 1)",
            (s, v, src) => s with { StatsInterval = Double("stats-interval", v, src, 0, 3600) }),
        new("stats-json", "FILE", "write the JSON report here when the run ends (also on Ctrl-C)",
            (s, v, src) => s with { StatsJson = v }),
        new("topology", "NAME", "forward port topology: auto | paired (0<->1, 2<->3) | loop | map",
            (s, v, src) => s with { Topology = Enum<PortTopology>("topology", v, src) }),
        new("port-map", "IN:OUT,...", "explicit forward map for --topology map, e.g. 0:1,1:0",
            (s, v, src) => s with { PortMap = v, Topology = s.Topology == PortTopology.Auto ? PortTopology.Map : s.Topology }),
        new("peer-macs", "PORT=MAC,...", "l2fwd destination MAC per output port (default 02:00:00:00:00:<port>)",
            (s, v, src) => s with { PeerMacs = v }),
        new("ports", "NAME|ID,...", "DPDK ports to use, by name or id, e.g. net_null0,0000:03:00.0 (default: every port EAL found)",
            (s, v, src) => s with { Ports = v }),
        new("promiscuous", "BOOL", "put DPDK ports in promiscuous mode (default true)",
            (s, v, src) => s with { Promiscuous = Bool("promiscuous", v, src) }),
        new("rx-queues", "N", "RX queues per port, spread by RSS, 1..16 (default 1)",
            (s, v, src) => s with { RxQueues = Int("rx-queues", v, src, 1, 16) }),
        new("rx-descriptors", "N", "RX ring size, 64..4096 (default 1024)",
            (s, v, src) => s with { RxDescriptors = Int("rx-descriptors", v, src, 64, 4096) }),
        new("tx-descriptors", "N", "TX ring size, 64..4096 (default 1024)",
            (s, v, src) => s with { TxDescriptors = Int("tx-descriptors", v, src, 64, 4096) }),
        new("link-timeout", "SECONDS", "how long to wait for links to come up, 0..60 (default 3)",
            (s, v, src) => s with { LinkTimeout = Double("link-timeout", v, src, 0, 60) }),
        new("workers", "N", "OS backends: worker threads, 0: one per CPU (default 0)",
            (s, v, src) => s with { Workers = Int("workers", v, src, 0, 256) }),
        new("pin-cpus", "BOOL", "OS backends: pin worker i to CPU i (default false)",
            (s, v, src) => s with { PinCpus = Bool("pin-cpus", v, src) }),
        new("buffers", "N", "OS backends: receive buffers per worker, a power of two, 64..32768 (default 2048)",
            (s, v, src) => s with { Buffers = Int("buffers", v, src, 64, 32768) }),
        new("buffer-size", "BYTES", "OS backends: bytes per receive buffer, 512..65536 (default 2048; larger datagrams are truncated_datagram drops)",
            (s, v, src) => s with { BufferSize = Int("buffer-size", v, src, 512, 65536) }),
    ];

    /// <summary>The JSON file may also carry the EAL arguments: <c>"eal": ["-l", "0,1", ...]</c>.</summary>
    public const string EalKey = "eal";

    public static RunSettings Bind(string? configFile, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> ealArgs)
    {
        var settings = new RunSettings();
        List<string>? fileEal = null;

        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new ConfigurationException("config", $"file '{configFile}' not found");
            IConfigurationRoot file;
            try
            {
                file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile), optional: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                throw new ConfigurationException("config", $"'{configFile}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            }
            foreach (var section in file.GetChildren())
            {
                if (Normalize(section.Key) == EalKey)
                {
                    fileEal = section.GetChildren().OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(c => c.Value ?? "").ToList();
                    continue;
                }
                var key = Find(section.Key)
                    ?? throw new ConfigurationException(section.Key, $"unknown key in '{configFile}'; known keys: {string.Join(", ", Keys.Select(k => k.Name))}, eal");
                if (section.Value is null)
                    throw new ConfigurationException(key.Name, $"in '{configFile}' must be a single value, not an object or array");
                settings = key.Apply(settings, section.Value, $"in {configFile}");
            }
        }

        foreach (var (name, value) in new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build().AsEnumerable())
        {
            if (value is null || Find(name) is not { } key) continue;
            settings = key.Apply(settings, value, $"from {EnvironmentPrefix}{name}");
        }

        // Options last: they win. Apply in table order so --port-map's implied topology can be overridden.
        foreach (var key in Keys)
            if (options.TryGetValue(key.Name, out var value))
                settings = key.Apply(settings, value, $"from --{key.Name}");

        return settings with { EalArgs = ealArgs.Count > 0 ? ealArgs : fileEal ?? [] };
    }

    private static Key? Find(string name)
    {
        string n = Normalize(name);
        return Array.Find(Keys, k => Normalize(k.Name) == n);
    }

    private static string Normalize(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();

    private static int Int(string key, string value, string source, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            throw new ConfigurationException(key, $"'{value}' ({source}) is not an integer; allowed {min}..{max}");
        if (n < min || n > max)
            throw new ConfigurationException(key, $"{n} ({source}) is out of range; allowed {min}..{max}");
        return n;
    }

    private static double Double(string key, string value, string source, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new ConfigurationException(key, $"'{value}' ({source}) is not a number of seconds; allowed {min}..{max}");
        if (d < min || d > max)
            throw new ConfigurationException(key, $"{value} ({source}) is out of range; allowed {min}..{max} seconds");
        return d;
    }

    private static bool Bool(string key, string value, string source)
        => value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ConfigurationException(key, $"'{value}' ({source}) is not a boolean; allowed true or false"),
        };

    private static T Enum<T>(string key, string value, string source) where T : struct, System.Enum
        => System.Enum.TryParse<T>(value, ignoreCase: true, out var e) && System.Enum.IsDefined(e) && !char.IsDigit(value[0])
            ? e
            : throw new ConfigurationException(key, $"'{value}' ({source}) is not allowed; allowed: {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}
