using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// <see cref="IPacketIo"/> over ethdev: one shim call per burst (<c>rte_eth_rx_burst</c> and
/// <c>rte_eth_tx_burst</c> are <c>static inline</c> in DPDK, so the shim re-exports them, marked
/// <c>[SuppressGCTransition]</c> as they neither block nor call back). A packet handle is an
/// <c>rte_mbuf*</c>; its frame is a span over <c>buf_addr + data_off</c>, <c>data_len</c> long,
/// never copied.
/// </summary>
public readonly unsafe struct DpdkIo : IPacketIo
{
    private readonly ulong _tscHz;
    private readonly rte_mempool* _originPool;

    /// <param name="originPool">The pool originated packets come from (a service's own); null: the app originates nothing.</param>
    public DpdkIo(ulong tscHz, rte_mempool* originPool = null)
    {
        _tscHz = tscHz;
        _originPool = originPool;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RxBurst(ushort port, ushort queue, nint* packets, int max)
        => Shim.sx_eth_rx_burst(port, queue, (rte_mbuf**)packets, (ushort)max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TxBurst(ushort port, ushort queue, nint* packets, int count)
        => Shim.sx_eth_tx_burst(port, queue, (rte_mbuf**)packets, (ushort)count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(nint* packets, int count) => Mbuf.rte_pktmbuf_free_bulk((rte_mbuf**)packets, (uint)count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(nint packet, out int packetLength, out bool chained)
    {
        var m = (rte_mbuf*)packet;
        packetLength = (int)m->pkt_len;
        chained = m->nb_segs != 1; // nb_segs sits in the first cache line, which the PMD just wrote; m->next does not
        return new Span<byte>((byte*)m->buf_addr + m->data_off, m->data_len);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FirstSegment(nint packet, out uint packetLength, out byte* data)
    {
        var m = (rte_mbuf*)packet;
        packetLength = m->pkt_len;
        data = (byte*)m->buf_addr + m->data_off;
        return m->data_len; // the first segment's bytes
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRssHash(nint packet, out uint hash)
    {
        var m = (rte_mbuf*)packet;
        hash = m->hash.rss; // ol_flags and hash sit in the first cache line, which the PMD just wrote
        return (m->ol_flags & Constants.RTE_MBUF_F_RX_RSS_HASH) != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PacketLength(nint packet) => (int)((rte_mbuf*)packet)->pkt_len;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Room(nint packet)
    {
        var m = (rte_mbuf*)packet;
        return new Span<byte>((byte*)m->buf_addr + m->data_off, m->buf_len - m->data_off);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetFrame(nint packet, int start, int length)
    {
        var m = (rte_mbuf*)packet;
        m->data_off = (ushort)(m->data_off + start);
        m->data_len = (ushort)length;
        m->pkt_len = (uint)length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Alloc(nint* packets, int count)
        => _originPool is not null && Shim.sx_pktmbuf_alloc_bulk(_originPool, (rte_mbuf**)packets, (uint)count) == 0 ? count : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(nint packet)
    {
        var m = (rte_mbuf*)packet;
        if (Sse.IsSupported) Sse.Prefetch0((byte*)m->buf_addr + m->data_off);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Now() => Shim.sx_rdtsc();

    public ulong TicksPerSecond => _tscHz;
}
