using System.Diagnostics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// The DPDK backend, in DPDK l2fwd's order but for the pool: EAL (already initialised by the
/// provider) → per port: configure, adjust descriptors → mbuf pool per socket (sized by the
/// adjusted descriptors, so it comes after them) → per port: queue setup on its socket, start,
/// promiscuous → link check → workers launched on the worker lcores → ... → quit flag,
/// join, drain → ports stopped and closed → <c>rte_eal_cleanup</c>.
/// </summary>
/// <remarks>
/// The main lcore does control only (stats, signals, the report); workers run on the other
/// lcores, one per lcore, each owning whole RX queues (assigned round-robin over all ports'
/// queues) and its own TX queue on every port. With a single lcore there is nowhere to run a
/// worker: that is a configuration error (give <c>-l 0,1</c>), as it is for testpmd.
/// </remarks>
internal sealed unsafe class DpdkBackend : IBackend
{
    private readonly EalSession _eal;
    private readonly List<DpdkPort> _ports;
    private readonly MbufPools _pools = new();
    private readonly QuitFlag _stop = new();
    private readonly List<LcoreWorker> _workers = [];
    private WorkerCounters[] _counters = [];
    private IReadOnlyList<PortStats>? _finalStats;
    private bool _running, _disposed;

    public DpdkBackend(EalSession eal, List<DpdkPort> ports)
    {
        _eal = eal;
        _ports = ports;
        Ports = ports.Select(p => p.Info).ToArray();
    }

    public string Name => "dpdk";
    public BackendLayers Layers => BackendLayers.Frames | BackendLayers.Datagrams; // datagram apps behind the endpoint stage
    public IReadOnlyList<PortInfo> Ports { get; }
    public IReadOnlyList<WorkerCounters> Workers => _counters;

    public void Start(RunSettings settings, AppDescriptor app)
    {
        BackendSelector.CheckLayers(app, Name, Layers, settings.Backend);
        uint main = Lcore.rte_get_main_lcore();
        var lcores = new List<uint>();
        for (uint l = Lcore.rte_get_next_lcore(uint.MaxValue, 1, 0); l < Constants.RTE_MAX_LCORE; l = Lcore.rte_get_next_lcore(l, 1, 0))
            lcores.Add(l);
        if (lcores.Count == 0)
            throw new ConfigurationException("eal",
                $"only the main lcore ({main}) was given; it does control work only, so workers need more: give at least two lcores, e.g. -l 0,1");

        // Queues to workers: every (port, queue) pair goes to one worker, round-robin.
        var pairs = new List<RxQueueRef>();
        foreach (var port in _ports)
            for (ushort q = 0; q < settings.RxQueues; q++) pairs.Add(new RxQueueRef(port.Id, q));
        int workers = Math.Min(lcores.Count, pairs.Count);
        if (workers > app.MaxWorkers)
            throw new ConfigurationException("eal",
                $"app '{app.Name}' runs on at most {app.MaxWorkers} worker lcore(s) and {workers} would poll RX queues; give one worker lcore (e.g. -l 0,1) or fewer ports/queues (--rx-queues 1)");
        if (workers < lcores.Count)
            Console.Error.WriteLine($"synthex: {lcores.Count} worker lcores but {pairs.Count} RX queues: lcores {string.Join(",", lcores.Skip(workers))} stay idle (raise --rx-queues)");

        // Create the frame app first: a topology that does not fit the ports is a configuration error before any port is touched.
        var context = new FrameAppContext(settings.AppOptions, Ports);
        var addresses = FrameApps.Addresses(context);
        _ = FrameApps.Create(app, context, new Probe());

        // A service that originates packets gets its own pool: its packets are freed by the PMD
        // into that pool, so MBUF_FAST_FREE (one pool per queue) is off then.
        bool originates = FrameApps.Create(app, context, new OriginProbe());
        bool onePool = _ports.Select(p => p.Socket).Distinct().Count() == 1 && !originates;
        foreach (var port in _ports)
            port.Configure(settings.RxQueues, workers, settings.RxDescriptors, settings.TxDescriptors, fastFree: onePool, settings.Mtu,
                           rxInterrupts: settings.Idle == IdleMode.Interrupt);
        ushort dataRoom = MbufPools.DataRoomFor(settings.Mtu);
        foreach (var socket in _ports.Select(p => p.Socket).Distinct())
        {
            var onSocket = _ports.Where(p => p.Socket == socket).ToList();
            _pools.Create(socket, settings.Mbufs > 0 ? (uint)settings.Mbufs : MbufPools.SizeFor(onSocket, lcores.Count + 1, settings.Burst), dataRoom);
        }
        // Originated packets: a burst per worker in flight, the TX rings' worth waiting, the caches.
        rte_mempool* originPool = originates
            ? _pools.CreateOrigin(_ports[0].Socket, MbufPools.SizeFor(_ports, lcores.Count + 1, settings.Burst), dataRoom)
            : null;
        var poolBySocket = _pools.All.ToDictionary(x => x.Socket, x => x.Pool);
        foreach (var port in _ports)
        {
            port.SetupQueues((rte_mempool*)poolBySocket[port.Socket]);
            port.Start(settings.Promiscuous);
            if (addresses.Port(port.Id).SolicitedNodes is { Length: > 0 } groups)
                Console.Error.WriteLine($"synthex: port {port.Id} ({port.Name}): " +
                    port.JoinMulticast(groups.Select(g => Packets.NeighborDiscovery.MulticastMac(g).Value).ToArray()));
        }
        CheckLinks(settings.LinkTimeout);
        var interruptPorts = InterruptPorts(settings.Idle);
        PortsUpTimestamp = Stopwatch.GetTimestamp();

        var io = new DpdkIo(Shim.sx_get_tsc_hz(), originPool);
        _counters = new WorkerCounters[workers];
        for (int w = 0; w < workers; w++)
        {
            uint lcore = lcores[w];
            _counters[w] = new WorkerCounters((int)lcore);
            var rx = pairs.Where((_, i) => i % workers == w).ToArray();
            var tx = _ports.ToDictionary(p => (int)p.Id, _ => (ushort)w);
            // Interrupts only where every queue the worker polls has them; else it sleeps (logged once per port).
            IRxWait? rxWait = rx.All(q => interruptPorts.Contains(q.Port)) ? new DpdkRxWait(rx, (int)lcore, Console.Error) : null;
            var worker = FrameApps.Create(app, context, new FrameWorkerFactory<DpdkIo>(io, rx, tx, settings.Burst, _counters[w], _stop, settings.Idle, rxWait, settings.CountBytes));
            _workers.Add(new LcoreWorker(lcore, worker));
        }
        DpdkTelemetry.Register(_counters, _ports, _pools, Console.Out);
        DpdkPacketCapture.Enable(Console.Out);
        _running = true; // from here Stop() must join: a launch failing half-way leaves others running
        foreach (var worker in _workers) worker.Launch();
    }

    /// <summary>
    /// The ports whose RX interrupts <c>--idle interrupt</c> can sleep on; one log line for
    /// each port without them (its workers sleep instead, as <c>--idle sleep</c>).
    /// </summary>
    private HashSet<ushort> InterruptPorts(IdleMode idle)
    {
        var ports = new HashSet<ushort>();
        if (idle != IdleMode.Interrupt) return ports;
        foreach (var port in _ports)
        {
            if (port.RxInterruptSupport() is { } missing)
                Console.Error.WriteLine($"synthex: --idle interrupt: {missing}; its workers idle with --idle sleep instead");
            else
                ports.Add(port.Id);
        }
        return ports;
    }

    private void CheckLinks(double timeoutSeconds)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeoutSeconds * Stopwatch.Frequency);
        while (true)
        {
            bool allUp = _ports.All(p => p.LinkUp(out _));
            if (allUp || Stopwatch.GetTimestamp() >= deadline) break;
            Thread.Sleep(100); // l2fwd checks every 100 ms
        }
        foreach (var port in _ports)
        {
            bool up = port.LinkUp(out uint speed);
            Console.Error.WriteLine($"synthex: port {port.Id} ({port.Name}) {new Packets.MacAddress(port.Mac)} socket {port.Socket}: link {(up ? $"up {speed} Mbps" : $"DOWN after {timeoutSeconds}s (running anyway)")}, " +
                                    $"{port.RxQueues} rx x {port.RxDescriptors}, {port.TxQueues} tx x {port.TxDescriptors}");
        }
    }

    public IReadOnlyList<PoolStats> ReadPools() => _pools.Read();
    public long PortsUpTimestamp { get; private set; }

    public IReadOnlyList<PortStats> ReadPortStats(bool extended)
        => _finalStats ?? _ports.Select(p => p.ReadStats(extended)).ToArray();

    public void Stop()
    {
        if (!_running) return;
        _running = false;
        _stop.Request("stop");
        List<Exception> failures = [];
        foreach (var worker in _workers)
        {
            try { worker.Join(); }
            catch (InvalidOperationException e) { failures.Add(e); }
        }
        // Final numbers while the ports are still configured, then stop them: their rings give the mbufs back.
        _finalStats = _ports.Select(p => p.ReadStats(extended: true)).ToArray();
        foreach (var port in _ports) port.Stop();
        if (failures.Count > 0) throw new AggregateException("worker failed", failures);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { Stop(); }
        finally
        {
            foreach (var worker in _workers) worker.Dispose();
            foreach (var port in _ports) port.Dispose();
            // Closed ports have released every queue (net_pcap's infinite_rx keeps its copies until then).
            long inUse = _pools.InUse();
            Console.Error.WriteLine(inUse == 0
                ? $"synthex: mbufs: all {_pools.Capacity()} back in their pool"
                : $"synthex: mbufs: {inUse} of {_pools.Capacity()} still in use after the ports closed");
            _pools.Dispose();
            _eal.Dispose();
            _stop.Dispose();
        }
    }

    private sealed class Probe : IFrameAppConsumer<bool>
    {
        public bool Accept<TApp>(TApp app) where TApp : struct, IFrameApp => true;
    }

    private sealed class OriginProbe : IFrameAppConsumer<bool>
    {
        public bool Accept<TApp>(TApp app) where TApp : struct, IFrameApp => TApp.Originates;
    }
}
