using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// One ethdev port, owned: found by enumeration, configured and started in DPDK's order
/// (info → configure → adjust descriptors → queue setup on the port's socket → promiscuous →
/// start), stopped and closed on dispose. Every failure names the port and the call.
/// </summary>
internal sealed unsafe class DpdkPort : IDisposable
{
    private bool _started, _closed;

    /// <summary>
    /// Compile-time assertion: <see cref="FrameMeta.MaxPorts"/> sizes the apps' and workers'
    /// per-port tables, so it must equal the DPDK build's port limit. A DPDK with a different
    /// RTE_MAX_ETHPORTS (regenerated bindings) makes this constant overflow: the build fails here.
    /// </summary>
    private const byte MaxPortsIsRteMaxEthports = (byte)(FrameMeta.MaxPorts == Constants.RTE_MAX_ETHPORTS ? 0 : 256);

    private DpdkPort(ushort id, string name, ulong mac, int socket, string driver)
    {
        Id = id;
        Name = name;
        Mac = mac;
        Socket = socket;
        Driver = driver;
    }

    public ushort Id { get; }
    public string Name { get; }
    public ulong Mac { get; }

    /// <summary>The PMD's name (<c>net_tap</c>, <c>net_null</c>, <c>net_ice</c>...), for operators: <c>/synthex/ports</c>.</summary>
    public string Driver { get; }

    /// <summary>NUMA socket of the device (0 when DPDK does not know).</summary>
    public int Socket { get; }

    public ushort RxQueues { get; private set; }
    public ushort TxQueues { get; private set; }
    public ushort RxDescriptors { get; private set; }
    public ushort TxDescriptors { get; private set; }

    public PortInfo Info => new(Id, Name, Mac, Socket);

    /// <summary>Every port EAL found (vdevs, bound NICs), in port-id order.</summary>
    public static List<DpdkPort> Enumerate()
    {
        var ports = new List<DpdkPort>();
        var name = stackalloc sbyte[Constants.RTE_ETH_NAME_MAX_LEN];
        for (ushort id = 0; id < Constants.RTE_MAX_ETHPORTS; id++)
        {
            if (Ethdev.rte_eth_dev_is_valid_port(id) == 0) continue;
            DpdkError.Check(Ethdev.rte_eth_dev_get_name_by_port(id, name), "rte_eth_dev_get_name_by_port", id.ToString());
            rte_ether_addr addr;
            DpdkError.Check(Ethdev.rte_eth_macaddr_get(id, &addr), "rte_eth_macaddr_get", id.ToString());
            ulong mac = 0;
            for (int i = 0; i < 6; i++) mac = (mac << 8) | addr.addr_bytes[i];
            int socket = Ethdev.rte_eth_dev_socket_id(id);
            rte_eth_dev_info info;
            string driver = Ethdev.rte_eth_dev_info_get(id, &info) == 0 && info.driver_name is not null
                ? Marshal.PtrToStringUTF8((nint)info.driver_name) ?? "?" : "?";
            ports.Add(new DpdkPort(id, Marshal.PtrToStringUTF8((nint)name) ?? $"port{id}", mac, socket < 0 ? 0 : socket, driver));
        }
        return ports;
    }

    private string Label => $"{Id} ({Name})";

    /// <summary>
    /// Configures the port: RSS over <paramref name="rxQueues"/> when more than one, one TX
    /// queue per worker, descriptor counts adjusted to the driver's limits.
    /// </summary>
    /// <param name="mtu">The port's MTU (IP packet size); set when it is not DPDK's default 1500, and checked against the device's range.</param>
    /// <param name="rxInterrupts">Ask for RX-queue interrupts (<c>intr_conf.rxq</c>, for <c>--idle interrupt</c>); drivers without them ignore it (<see cref="RxInterruptSupport"/> tells after start).</param>
    public void Configure(int rxQueues, int txQueues, int rxDescriptors, int txDescriptors, bool fastFree, int mtu = RunSettings.DefaultMtu, bool rxInterrupts = false)
    {
        rte_eth_dev_info info;
        DpdkError.Check(Ethdev.rte_eth_dev_info_get(Id, &info), "rte_eth_dev_info_get", Label);
        if (rxQueues > info.max_rx_queues)
            throw new ConfigurationException("rx-queues", $"port {Label} supports at most {info.max_rx_queues} RX queues; use --rx-queues {info.max_rx_queues}");
        if (txQueues > info.max_tx_queues)
            throw new ConfigurationException("eal", $"port {Label} supports at most {info.max_tx_queues} TX queues and each worker lcore needs one; give fewer lcores (-l)");

        rte_eth_conf conf = default;
        if (rxQueues > 1)
        {
            // Spread flows over the queues by a hash of addresses and ports, as far as the device can.
            conf.rxmode.mq_mode = rte_eth_rx_mq_mode.RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = (Constants.RTE_ETH_RSS_IP | Constants.RTE_ETH_RSS_TCP | Constants.RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
        }
        if (fastFree && (info.tx_offload_capa & Constants.RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0)
            conf.txmode.offloads |= Constants.RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE; // one pool, refcnt 1: the PMD may free in bulk

        if (mtu != RunSettings.DefaultMtu)
        {
            // The frame: Ethernet header, two VLAN tags, the IP packet (CRC stripped by the port).
            int frame = mtu + 14 + 8;
            if (mtu > info.max_mtu || mtu < info.min_mtu || frame > info.max_rx_pktlen)
                throw new ConfigurationException("mtu", $"{mtu} is more than port {Label} takes (MTU {info.min_mtu}..{info.max_mtu}, " +
                                                        $"frames up to {info.max_rx_pktlen} bytes: --mtu {Math.Min(info.max_mtu, (int)info.max_rx_pktlen - 22)} at most)");
            conf.rxmode.mtu = (uint)mtu;
        }
        if (rxInterrupts) conf.intr_conf.rxq = 1;
        DpdkError.Check(Ethdev.rte_eth_dev_configure(Id, (ushort)rxQueues, (ushort)txQueues, &conf), "rte_eth_dev_configure", Label);
        ushort rxd = (ushort)rxDescriptors, txd = (ushort)txDescriptors;
        DpdkError.Check(Ethdev.rte_eth_dev_adjust_nb_rx_tx_desc(Id, &rxd, &txd), "rte_eth_dev_adjust_nb_rx_tx_desc", Label);
        (RxQueues, TxQueues, RxDescriptors, TxDescriptors) = ((ushort)rxQueues, (ushort)txQueues, rxd, txd);
        _txOffloads = conf.txmode.offloads;
    }

    private ulong _txOffloads;

    /// <summary>Sets up every queue on the port's socket, receiving into <paramref name="pool"/>.</summary>
    public void SetupQueues(rte_mempool* pool)
    {
        rte_eth_dev_info info;
        DpdkError.Check(Ethdev.rte_eth_dev_info_get(Id, &info), "rte_eth_dev_info_get", Label);
        for (ushort q = 0; q < RxQueues; q++)
        {
            rte_eth_rxconf rx = info.default_rxconf;
            DpdkError.Check(Ethdev.rte_eth_rx_queue_setup(Id, q, RxDescriptors, (uint)Socket, &rx, pool), $"rte_eth_rx_queue_setup(queue {q})", Label);
        }
        for (ushort q = 0; q < TxQueues; q++)
        {
            rte_eth_txconf tx = info.default_txconf;
            tx.offloads = _txOffloads;
            DpdkError.Check(Ethdev.rte_eth_tx_queue_setup(Id, q, TxDescriptors, (uint)Socket, &tx), $"rte_eth_tx_queue_setup(queue {q})", Label);
        }
    }

    public void Start(bool promiscuous)
    {
        DpdkError.Check(Ethdev.rte_eth_dev_start(Id), "rte_eth_dev_start", Label);
        _started = true;
        if (promiscuous)
        {
            int rc = Ethdev.rte_eth_promiscuous_enable(Id);
            // Virtual devices without a MAC filter answer -ENOTSUP: nothing to enable, not an error.
            if (rc < 0 && rc != -Errno.ENOTSUP) DpdkError.Throw(rc, "rte_eth_promiscuous_enable", Label);
        }
    }

    /// <summary>
    /// Null when every RX queue of the started port has interrupts (configured with
    /// <c>rxInterrupts</c>: the driver gave each an event file descriptor), else why not, for the log.
    /// </summary>
    public string? RxInterruptSupport()
    {
        for (ushort q = 0; q < RxQueues; q++)
        {
            int rc = RxInterrupts.Supported(Id, q);
            if (rc < 0) return $"port {Label} has no RX interrupts (rte_eth_dev_rx_intr_ctl_q_get_fd, queue {q}: {DpdkError.StrError(rc)})";
        }
        return null;
    }

    /// <summary>
    /// Makes the port receive the Ethernet multicast groups in <paramref name="macs"/> (the
    /// solicited-node groups of the endpoint's IPv6 addresses: without them a real NIC never
    /// delivers a neighbour solicitation). Uses the device's multicast filter; a device without
    /// one gets all-multicast; one without that either (most virtual devices) receives every
    /// frame anyway, or is promiscuous. Returns what it did, for the start-up log.
    /// </summary>
    public string JoinMulticast(IReadOnlyList<ulong> macs)
    {
        if (macs.Count == 0) return "no multicast group";
        var set = stackalloc rte_ether_addr[macs.Count];
        for (int i = 0; i < macs.Count; i++)
            for (int b = 0; b < 6; b++) set[i].addr_bytes[b] = (byte)(macs[i] >> (8 * (5 - b)));
        int rc = Ethdev.rte_eth_dev_set_mc_addr_list(Id, set, (uint)macs.Count);
        if (rc == 0) return $"multicast filter: {macs.Count} solicited-node group(s)";
        int all = Ethdev.rte_eth_allmulticast_enable(Id);
        if (all == 0) return $"all-multicast (no multicast filter: {DpdkError.StrError(rc)})";
        return $"no multicast filter nor all-multicast ({DpdkError.StrError(rc)}; {DpdkError.StrError(all)}): relies on the device passing every frame";
    }

    /// <summary>True when the link is up; non-blocking.</summary>
    public bool LinkUp(out uint speedMbps)
    {
        rte_eth_link link;
        speedMbps = 0;
        if (Ethdev.rte_eth_link_get_nowait(Id, &link) < 0) return false;
        speedMbps = link.link_speed;
        return link.link_status == Constants.RTE_ETH_LINK_UP;
    }

    public PortStats ReadStats(bool extended)
    {
        rte_eth_stats s;
        if (Ethdev.rte_eth_stats_get(Id, &s) < 0) s = default;
        return new PortStats(Id, Name, (long)s.ipackets, (long)s.opackets, (long)s.ibytes, (long)s.obytes,
            (long)s.imissed, (long)s.ierrors, (long)s.oerrors, (long)s.rx_nombuf, extended ? ReadXstats() : null);
    }

    private List<KeyValuePair<string, long>> ReadXstats()
    {
        var result = new List<KeyValuePair<string, long>>();
        int n = Ethdev.rte_eth_xstats_get_names(Id, null, 0);
        if (n <= 0) return result;
        var names = new rte_eth_xstat_name[n];
        var values = new rte_eth_xstat[n];
        fixed (rte_eth_xstat_name* pn = names)
        fixed (rte_eth_xstat* pv = values)
        {
            int got = Math.Min(Ethdev.rte_eth_xstats_get_names(Id, pn, (uint)n), Ethdev.rte_eth_xstats_get(Id, pv, (uint)n));
            for (int i = 0; i < got; i++)
                result.Add(new(Marshal.PtrToStringUTF8((nint)pn[i].name) ?? "?", (long)pv[i].value));
        }
        return result;
    }

    /// <summary>Stops the port (its queues give their mbufs back); idempotent.</summary>
    public void Stop()
    {
        if (!_started) return;
        _started = false;
        int rc = Ethdev.rte_eth_dev_stop(Id);
        if (rc < 0) Console.Error.WriteLine($"synthex: port {Label}: rte_eth_dev_stop failed: {DpdkError.StrError(rc)}");
    }

    public void Dispose()
    {
        Stop();
        if (_closed) return;
        _closed = true;
        int rc = Ethdev.rte_eth_dev_close(Id);
        if (rc < 0) Console.Error.WriteLine($"synthex: port {Label}: rte_eth_dev_close failed: {DpdkError.StrError(rc)}");
    }
}
