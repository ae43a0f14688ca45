using System.Globalization;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Everything one run needs, bound once from the JSON file, <c>SYNTHEX_</c> environment
/// variables and command-line options (in that order of precedence, last wins), and validated
/// by <see cref="RunSettingsValidator"/> before any backend starts. Immutable after binding.
/// </summary>
/// <remarks>
/// Each property is one configuration key, written in kebab-case as the option is:
/// <c>"stats-interval": 2</c> in the JSON file (camelCase <c>"statsInterval"</c> works too),
/// <c>SYNTHEX_STATS_INTERVAL=2</c>, or <c>--stats-interval 2</c>. Errors name that key.
/// </remarks>
public sealed record RunSettings
{
    /// <summary>
    /// Every configuration key, in the order <c>--help</c> lists them and options are applied.
    /// To add a key: a property below and one entry here (its range, if any, goes in the entry);
    /// the command line, the JSON file, the environment and <see cref="RunSettingsValidator"/> pick it up.
    /// Checks beyond a range (a key's text format, keys that depend on each other) go in the validator.
    /// </summary>
    public static readonly IReadOnlyList<RunOption> Options =
    [
        new TextOption("app", "NAME", "application: forward (port to port), reflect (answer the sender; a datagram app), frame-reflect (mirror every UDP/TCP frame), rendezvous (test service), consensus (experts' vectors aggregated per chunk, docs/PROTOCOL.md), similarity (top-k over --matrix); consensus,similarity (both in one instance, chosen by operation)", (s, v) => s with { App = v }),
        new TextOption("mode", "NAME", "forward mode: io (untouched), macswap (swap MACs), l2fwd (peer/own MACs)", (s, v) => s with { Mode = v }),
        new TextOption("backend", "NAME", "auto | dpdk | io-uring | socket (auto: DPDK if EAL finds a port, else io_uring, else sockets)", (s, v) => s with { Backend = v }),
        new TextOption("listen", "ADDR:PORT", "UDP service address: bound by the OS backends; on DPDK its port is the service port (default 0.0.0.0:9000)", (s, v) => s with { Listen = v }),
        new TextOption("address", "ADDR/PREFIX[@PORT],...", "DPDK ports: the appliance's own addresses (ARP, ND, ping answered; UDP to them served), e.g. 10.0.0.1/24,fd00::1/64; none: UDP for the service port whatever its destination",
            (s, v) => s with { Address = v }),
        new IntOption("mtu", "BYTES", "DPDK ports: largest IP packet (mbufs are sized for it; larger datagrams are oversized drops)", 68, MaxMtu, s => s.Mtu, (s, v) => s with { Mtu = v }),
        new IntOption("mbufs", "N", "DPDK ports: mbufs in each socket's RX pool; 0: sized like testpmd's (every descriptor, the lcore caches, the bursts). Smaller pools drop under load as the PMD's rx_nombuf, and have no lcore cache",
            0, 1 << 24, s => s.Mbufs, (s, v) => s with { Mbufs = v }),
        new IntOption("max-jobs", "N", "consensus: (job, session) pairs tracked at once", 1, 1024, s => s.MaxJobs, (s, v) => s with { MaxJobs = v }),
        new IntOption("max-rounds-per-job", "N", "consensus: admission window, rounds of one job open at once (above it BUSY)", 1, 64,
            s => s.MaxRoundsPerJob, (s, v) => s with { MaxRoundsPerJob = v }),
        new IntOption("max-length", "ELEMENTS", "consensus: longest vector; memory = (max-jobs x max-rounds-per-job + completed-cache) x max-length x 4 bytes", 1, 1 << 24,
            s => s.MaxLength, (s, v) => s with { MaxLength = v }),
        new IntOption("completed-cache", "ROUNDS", "consensus: finished rounds kept to answer retransmissions (older ones are STALE)", 0, 65536,
            s => s.CompletedCache, (s, v) => s with { CompletedCache = v }),
        new IntOption("round-timeout", "MS", "consensus: a round's open chunks close PARTIAL this long after it opened", 1, 65535,
            s => s.RoundTimeout, (s, v) => s with { RoundTimeout = v }),
        new TextOption("matrix", "FILE", "similarity: the stored matrix, .npy (float32 '<f4', C order, N x D; mapped read-only) or FAISS .fvecs", (s, v) => s with { Matrix = v }),
        new EnumOption<SimilarityMetric>("metric", "NAME", "similarity: cosine | dot (default cosine)", (s, v) => s with { Metric = v }),
        new IntOption("k-max", "N", "similarity: the largest k a QUERY may ask for", 1, ushort.MaxValue, s => s.KMax, (s, v) => s with { KMax = v }),
        new BoolOption("watch", "similarity: reload --matrix when the file changes (as SIGHUP does), without a pause", s => s.Watch, (s, v) => s with { Watch = v }),
        new TextOption("projection", "FILE", "similarity: the projection P (M x D .npy) PROJECT multiplies by (y = P.x); none: PROJECT is not served", (s, v) => s with { Projection = v }),
        new IntOption("cache-entries", "N", "similarity: answers the result cache holds (W-TinyLFU; memory ~ N x (4 D + 8 min(k-max, N rows)) bytes, allocated at start); 0: no cache",
            0, 1 << 22, s => s.CacheEntries, (s, v) => s with { CacheEntries = v }),
        new TextOption("keys", "FILE", "consensus, similarity: per-job MAC keys, lines 'JOB HEXKEY' (16..64-byte keys; mode 600, else refused); a listed job's messages must carry a valid HMAC-SHA-256 trailer (docs/PROTOCOL.md)",
            (s, v) => s with { Keys = v }),
        new BoolOption("require-auth", "consensus, similarity: every job must have a key in --keys; a message of a job the file does not list is dropped unanswered (unknown_job), not served unauthenticated",
            s => s.RequireAuth, (s, v) => s with { RequireAuth = v }),
        new TextOption("rate-limit", "RATE[/BURST]", "datagram services: per source address, at most RATE datagrams/s after a burst of BURST (default BURST: one second's worth); the excess is dropped as rate_limited before the service sees it. Default off",
            (s, v) => s with { RateLimit = v }),
        new SecondsOption("duration", "run time; 0: until SIGINT/SIGTERM", 0, 7 * 24 * 3600, s => s.Duration, (s, v) => s with { Duration = v }),
        new IntOption("burst", "N", "packets per rx_burst", 1, IPacketIo.MaxBurst, s => s.Burst, (s, v) => s with { Burst = v }),
        new BoolOption("count-bytes", "forward io: count every packet's bytes (rx/tx bytes, Gbps). false: packets only, as testpmd's io mode, so the loop reads no packet (~4% of a core at 50 Mpps); bytes are then the ports' own counters (the report's ports section; net_null keeps none). The other apps and modes always count bytes",
            s => s.CountBytes, (s, v) => s with { CountBytes = v }),
        new SecondsOption("stats-interval", "seconds between live lines; 0: none", 0, 3600, s => s.StatsInterval, (s, v) => s with { StatsInterval = v }),
        new TextOption("stats-json", "FILE", "write the JSON report here when the run ends (also on Ctrl-C); its directory must exist", (s, v) => s with { StatsJson = v }),
        new EnumOption<PortTopology>("topology", "NAME", "forward port topology: auto | paired (0<->1, 2<->3) | loop | map", (s, v) => s with { Topology = v }),
        new TextOption("port-map", "IN:OUT,...", "explicit forward map for --topology map, e.g. 0:1,1:0",
            (s, v) => s with { PortMap = v, Topology = s.Topology == PortTopology.Auto ? PortTopology.Map : s.Topology }),
        new TextOption("peer-macs", "PORT=MAC,...", "l2fwd destination MAC per output port (default 02:00:00:00:00:<port>)", (s, v) => s with { PeerMacs = v }),
        new TextOption("ports", "NAME|ID,...", "DPDK ports to use, by name or id, e.g. net_null0,0000:03:00.0 (default: every port EAL found)", (s, v) => s with { Ports = v }),
        new BoolOption("promiscuous", "put DPDK ports in promiscuous mode", s => s.Promiscuous, (s, v) => s with { Promiscuous = v }),
        new IntOption("rx-queues", "N", "RX queues per port, spread by RSS", 1, 16, s => s.RxQueues, (s, v) => s with { RxQueues = v }),
        new IntOption("rx-descriptors", "N", "RX ring size", 64, 4096, s => s.RxDescriptors, (s, v) => s with { RxDescriptors = v }),
        new IntOption("tx-descriptors", "N", "TX ring size", 64, 4096, s => s.TxDescriptors, (s, v) => s with { TxDescriptors = v }),
        new SecondsOption("link-timeout", "how long to wait for links to come up", 0, 60, s => s.LinkTimeout, (s, v) => s with { LinkTimeout = v }),
        new IntOption("workers", "N", "OS backends: worker threads, 0: one per CPU", 0, 256, s => s.Workers, (s, v) => s with { Workers = v }),
        new BoolOption("pin-cpus", "OS backends: pin worker i to CPU i", s => s.PinCpus, (s, v) => s with { PinCpus = v }),
        new IntOption("buffers", "N", "OS backends: receive buffers per worker, a power of two", 64, 32768, s => s.Buffers, (s, v) => s with { Buffers = v }),
        new IntOption("buffer-size", "BYTES", "OS backends: bytes per receive buffer (larger datagrams are truncated_datagram drops)", 512, 65536,
            s => s.BufferSize, (s, v) => s with { BufferSize = v }),
        new IntOption("spin-us", "US", "OS backends: while traffic flows, spin this long for the next datagram before blocking (0: always block)", 0, 1000,
            s => s.SpinMicroseconds, (s, v) => s with { SpinMicroseconds = v }),
        new EnumOption<IdleMode>("idle", "MODE", "DPDK workers with nothing to do: busy (poll flat out, as testpmd; a core at 100%) | pause (spin with pause) | sleep (pause, then sleeps growing to 200 us; full polling from the first packet) | interrupt (pause, then sleep in epoll until the port's RX interrupt, as l3fwd-power; net_tap, virtio, real NICs; ports without RX interrupts, e.g. net_null/ring/pcap/memif, idle as sleep and say so). Default sleep. io-uring and socket workers block in the kernel whatever the mode",
            (s, v) => s with { Idle = v }),
        new TextOption("metrics", "[ADDR:]PORT", "serve Prometheus metrics at http://ADDR:PORT/metrics (PORT alone: on 127.0.0.1); default off",
            (s, v) => s with { Metrics = v }),
        new TextOption("name", "NAME", "this instance's name for 'synthex status' (letters, digits, . _ -; default APP-PID). On DPDK, dpdk-telemetry.py and dpdk-pdump attach through --file-prefix (dpdk-pdump: not with --in-memory/--no-shconf)", (s, v) => s with { Name = v }),
        new TextOption("run-dir", "DIR", "where the control socket NAME.sock goes (default /run/synthex as root, else $XDG_RUNTIME_DIR/synthex)", (s, v) => s with { RunDir = v }),
    ];

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

    /// <summary>
    /// mbufs in each socket's RX pool; 0 (default): <see cref="Dpdk.MbufPools.SizeFor"/>'s testpmd-like size. A pool
    /// too small for the RX rings fails at queue setup; one just above them runs out under a flood, which the PMD
    /// counts (rx_nombuf) and recovers from as buffers come back.
    /// </summary>
    public int Mbufs { get; init; }
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

    /// <summary>
    /// OS backends: microseconds a worker that ran out of datagrams spins before it blocks, only
    /// while traffic flows (the last gap was within this window), 0..1000; 0 always blocks.
    /// </summary>
    public int SpinMicroseconds { get; init; } = DefaultSpinMicroseconds;

    /// <summary>
    /// 50 µs: longer than a loopback round trip through a client on another vCPU (sockperf
    /// ping-pong, 64 B: ~20-30 µs here), so ping-pong traffic keeps the worker spinning; short
    /// enough that traffic sparser than 20 k datagrams/s never does.
    /// </summary>
    public const int DefaultSpinMicroseconds = 50;

    /// <summary>Whether forward io counts bytes per packet (<c>--count-bytes</c>); every other app and mode always does.</summary>
    public bool CountBytes { get; init; } = true;

    /// <summary>What a DPDK worker does when its queues stay empty (default: sleep, the cheapest at idle).</summary>
    public IdleMode Idle { get; init; } = IdleMode.Sleep;

    /// <summary><c>[ADDR:]PORT</c> of the Prometheus endpoint (PORT alone: 127.0.0.1). Null: no endpoint.</summary>
    public string? Metrics { get; init; }

    /// <summary>The instance's name (its control socket <c>RUN_DIR/NAME.sock</c>); null: <c>APP-PID</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The directory of control sockets; null: <see cref="Operations.RunDirectory.Resolve"/>'s default.</summary>
    public string? RunDir { get; init; }

    /// <summary>consensus: (job, session) pairs tracked at once.</summary>
    public int MaxJobs { get; init; } = 4;

    /// <summary>consensus: the admission window, rounds of one job open at once.</summary>
    public int MaxRoundsPerJob { get; init; } = 8;

    /// <summary>consensus: elements of a round's vector at most.</summary>
    public int MaxLength { get; init; } = 65536;

    /// <summary>consensus: finished rounds kept for retransmissions beyond the open ones.</summary>
    public int CompletedCache { get; init; } = 16;

    /// <summary>consensus: ms after a round opens its open chunks close PARTIAL (a request may ask for less).</summary>
    public int RoundTimeout { get; init; } = 1000;

    /// <summary>The consensus collector's bounds from the keys above.</summary>
    public Apps.Consensus.ConsensusLimits ConsensusLimits => new(MaxJobs, MaxRoundsPerJob, MaxLength, CompletedCache, RoundTimeout);

    /// <summary><c>similarity</c>: the stored matrix, a .npy (float32 '&lt;f4', C order, N × D; mapped read-only) or .fvecs file.</summary>
    public string? Matrix { get; init; }

    /// <summary><c>similarity</c>: cosine or dot (default cosine).</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary><c>similarity</c>: the largest k a QUERY may ask for, 1..65535 (default 100).</summary>
    public int KMax { get; init; } = 100;

    /// <summary><c>similarity</c>: the projection P (M × D .npy) that PROJECT multiplies by; null: PROJECT not served.</summary>
    public string? Projection { get; init; }

    /// <summary><c>similarity</c>: answers the result cache holds (default 4096); 0: no cache.</summary>
    public int CacheEntries { get; init; } = 4096;

    /// <summary><c>similarity</c>: reload the matrix when its file changes (SIGHUP always reloads).</summary>
    public bool Watch { get; init; }

    /// <summary><c>consensus</c>, <c>similarity</c>: the key file of per-job MAC keys; null: no job has a key.</summary>
    public string? Keys { get; init; }

    /// <summary><c>consensus</c>, <c>similarity</c>: every job must have a key in <see cref="Keys"/>; a message of an unlisted job is dropped (<c>unknown_job</c>).</summary>
    public bool RequireAuth { get; init; }
    /// <summary>Datagram services: <c>RATE[/BURST]</c> per source address (<see cref="Apps.RateLimit.RateLimitSpec"/>); null: no limit.</summary>
    public string? RateLimit { get; init; }

    /// <summary><see cref="RateLimit"/> parsed; null when off (or invalid: the validator refuses that first).</summary>
    public Apps.RateLimit.RateLimitSpec? RateLimitSpec
        => RateLimit is { } text && Apps.RateLimit.RateLimitSpec.TryParse(text, out var spec, out _) ? spec : null;

    /// <summary>What the app is created with (the app-side keys of these settings).</summary>
    public AppOptions AppOptions => new(Mode, Topology, PortMap, PeerMacs, Address, ServicePort, Mtu, ConsensusLimits, Matrix, Metric, KMax, Projection, CacheEntries, Watch, Keys, RequireAuth);

    /// <summary>Arguments after <c>--</c>, passed to <c>rte_eal_init</c> unchanged (plus a <c>--file-prefix</c> when none is given).</summary>
    public IReadOnlyList<string> EalArgs { get; init; } = [];

    /// <summary>
    /// Checks every value (<see cref="RunSettingsValidator"/>); throws the first problem, a
    /// <see cref="ConfigurationException"/> naming the key.
    /// </summary>
    public void Validate()
    {
        if (RunSettingsValidator.Instance.Validate(null, this) is RunSettingsValidator.Failure failure)
            throw failure.Problems[0];
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
}
