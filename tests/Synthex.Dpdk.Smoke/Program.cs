using System.Diagnostics;
using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Smoke;
using static Synthex.Dpdk.Interop.Constants;

// synthex-smoke [--huge] [--file-prefix P] [--bench BURSTS] [--extra-eal ARG]
//
// Drives DPDK end to end through the generated bindings: EAL over a net_null port, one burst
// received through the shim and read through the generated rte_mbuf, freed, transmitted, shut
// down. Prints one "smoke: ok key=value ..." line and exits 0, or names the failing step and
// rte_strerror(rte_errno) and exits 1. --bench also times BURSTS rx_burst + free_bulk rounds,
// the C# half of scripts/bench-shim.sh.

var hugepages = args.Contains("--huge");
var prefix = Option("--file-prefix") ?? $"synthex-smoke-{Environment.ProcessId}";
var benchBursts = long.Parse(Option("--bench") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

try
{
    using var session = new NullPortSession(EalArguments.ForNullPort(hugepages, prefix, Option("--extra-eal")), "net_null0");
    var report = ReceiveOneBurst(session);
    var sent = TransmitOneBurst(session);
    if (benchBursts > 0)
        Bench(session, benchBursts);
    session.Dispose();
    Console.WriteLine($"smoke: ok mode={(hugepages ? "hugepages" : "no-huge")} ports={session.PortCount} port={session.Port} " +
                      $"driver={session.Driver} {report} tx={sent}");
    return 0;
}
catch (SmokeFailure e)
{
    Console.Error.WriteLine($"smoke: FAILED at {e.Step}: {e.Message}");
    return 1;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static unsafe string ReceiveOneBurst(NullPortSession s)
{
    var pkts = stackalloc rte_mbuf*[NullPortSession.Burst];
    var n = Shim.sx_eth_rx_burst(s.Port, 0, pkts, NullPortSession.Burst);
    if (n == 0)
        throw new SmokeFailure("sx_eth_rx_burst", "net_null returned no packets");

    // Read every mbuf through the generated struct; all must agree with the first.
    rte_mbuf* first = pkts[0];
    for (var i = 0; i < n; i++)
    {
        rte_mbuf* m = pkts[i];
        if (m->pkt_len != first->pkt_len || m->data_len != first->data_len || m->data_off != first->data_off)
            throw new SmokeFailure("read rte_mbuf", $"mbuf {i} differs: pkt_len={m->pkt_len} data_len={m->data_len} data_off={m->data_off}");
        if (m->pool != s.Pool || m->port != s.Port || m->nb_segs != 1 || m->next != null)
            throw new SmokeFailure("read rte_mbuf", $"mbuf {i}: pool, port, nb_segs or next is not what net_null set");
    }
    var report = $"rx={n} pkt_len={first->pkt_len} data_len={first->data_len} data_off={first->data_off} " +
                 $"buf_len={first->buf_len} headroom={RTE_PKTMBUF_HEADROOM}";

    var inUseBefore = Mempool.rte_mempool_in_use_count(s.Pool);
    Mbuf.rte_pktmbuf_free_bulk(pkts, n);
    var inUseAfter = Mempool.rte_mempool_in_use_count(s.Pool);
    return report + $" in_use={inUseBefore} in_use_after_free={inUseAfter}";
}

static unsafe int TransmitOneBurst(NullPortSession s)
{
    // Allocate through the shim, fill one Ethernet header, hand the burst to net_null (which
    // frees what it takes); whatever it refuses is ours to free.
    var pkts = stackalloc rte_mbuf*[NullPortSession.Burst];
    NullPortSession.Check("sx_pktmbuf_alloc_bulk", Shim.sx_pktmbuf_alloc_bulk(s.Pool, pkts, NullPortSession.Burst));
    for (var i = 0; i < NullPortSession.Burst; i++)
    {
        var eth = (rte_ether_hdr*)Shim.sx_pktmbuf_append(pkts[i], (ushort)sizeof(rte_ether_hdr));
        if (eth is null)
            throw new SmokeFailure("sx_pktmbuf_append", "no tailroom for an Ethernet header");
        eth->ether_type = (ushort)((RTE_ETHER_TYPE_IPV4 >> 8) | ((RTE_ETHER_TYPE_IPV4 & 0xFF) << 8)); // big endian
    }
    var sent = Shim.sx_eth_tx_burst(s.Port, 0, pkts, NullPortSession.Burst);
    if (sent < NullPortSession.Burst)
        Mbuf.rte_pktmbuf_free_bulk(pkts + sent, (uint)(NullPortSession.Burst - sent));
    return sent;
}

static unsafe void Bench(NullPortSession s, long bursts)
{
    // Same loop as native/bench/rx_bench.c: one shim call per burst, DPDK's exported free_bulk.
    var pkts = stackalloc rte_mbuf*[NullPortSession.Burst];
    long packets = 0;
    for (var i = 0; i < bursts / 10; i++) // warm-up: JIT tiering, mempool cache, branch predictors
        Mbuf.rte_pktmbuf_free_bulk(pkts, Shim.sx_eth_rx_burst(s.Port, 0, pkts, NullPortSession.Burst));
    if (Shim.sx_lcore_id() != 0)
        throw new SmokeFailure("bench", $"running on lcore {Shim.sx_lcore_id()}, not the main lcore 0: mempool caches would be bypassed");
    var clock = Stopwatch.StartNew();
    for (long i = 0; i < bursts; i++)
    {
        var n = Shim.sx_eth_rx_burst(s.Port, 0, pkts, NullPortSession.Burst);
        packets += n;
        Mbuf.rte_pktmbuf_free_bulk(pkts, n);
    }
    clock.Stop();
    var ns = clock.Elapsed.TotalNanoseconds / bursts;

    // The bare price of crossing into the shim: the cheapest export (a TLS read), same attributes.
    uint sink = 0;
    var calls = bursts * 10;
    var callClock = Stopwatch.StartNew();
    for (long i = 0; i < calls; i++)
        sink += Shim.sx_lcore_id();
    callClock.Stop();
    var callNs = callClock.Elapsed.TotalNanoseconds / calls;

    // The same call with the GC transition it would have without [SuppressGCTransition].
    callClock.Restart();
    for (long i = 0; i < calls; i++)
        sink += TransitioningShim.sx_lcore_id();
    callClock.Stop();
    var transitioningNs = callClock.Elapsed.TotalNanoseconds / calls;

    var f = System.Globalization.CultureInfo.InvariantCulture;
    Console.WriteLine($"bench: impl=csharp-shim burst={NullPortSession.Burst} bursts={bursts} packets={packets} " +
                      $"ns_per_burst={ns.ToString("F1", f)} ns_per_empty_shim_call={callNs.ToString("F2", f)} " +
                      $"ns_per_transitioning_shim_call={transitioningNs.ToString("F2", f)} sink={sink}");
}
