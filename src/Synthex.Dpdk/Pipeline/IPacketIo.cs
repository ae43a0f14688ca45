using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The packet I/O a <see cref="FrameWorker{TApp, TIo}"/> polls: DPDK's ethdev through the shim
/// (<c>DpdkIo</c>), or the in-memory network of the unit tests (<see cref="Memory.MemoryIo"/>).
/// A packet is an opaque handle (an <c>rte_mbuf*</c> on the DPDK path).
/// </summary>
/// <remarks>
/// Implemented by structs and used as a generic argument, like the apps, so each call is direct
/// and the loop is compiled once per (app, I/O) pair. Every method but <see cref="Frame"/>,
/// <see cref="FirstSegment"/>, <see cref="PacketLength"/> (a few loads each) and
/// <see cref="Prefetch"/> (one prefetch instruction) is called once per burst, never per packet.
/// </remarks>
public unsafe interface IPacketIo : IFramePool
{
    /// <summary>The most packets one burst may ask for (<c>--burst</c>'s upper bound); sizes the workers' burst arrays.</summary>
    public const int MaxBurst = 512;

    /// <summary>Receives up to <paramref name="max"/> packets into <paramref name="packets"/>.</summary>
    int RxBurst(ushort port, ushort queue, nint* packets, int max);

    /// <summary>Queues <paramref name="count"/> packets for transmission; returns how many were taken (ownership passes for those).</summary>
    int TxBurst(ushort port, ushort queue, nint* packets, int count);

    /// <summary>
    /// The packet's first segment in place, its total length, and whether it is chained
    /// (multi-segment). Per packet: must be a few loads, no call.
    /// </summary>
    Span<byte> Frame(nint packet, out int packetLength, out bool chained);

    /// <summary>
    /// The length of the packet's first segment (what a head rewrite may touch, chained or not),
    /// with the packet's total length and the address of its first data byte. Per packet: a few
    /// loads from the packet's descriptor, no call.
    /// </summary>
    int FirstSegment(nint packet, out uint packetLength, out byte* data);

    /// <summary>
    /// The flow hash the device computed on receive, when it computed one (DPDK: the PMD set
    /// <c>RTE_MBUF_F_RX_RSS_HASH</c> in <c>ol_flags</c> and the hash in <c>hash.rss</c>). Per
    /// packet: two loads from the descriptor's first cache line, no call.
    /// </summary>
    bool TryRssHash(nint packet, out uint hash);

    /// <summary>The packet's total length (all segments); a load or two.</summary>
    int PacketLength(nint packet);

    /// <summary>Hints the CPU to fetch the packet's data (a packet or two ahead of processing).</summary>
    void Prefetch(nint packet);

    /// <summary>A cheap monotonic clock (the TSC on the DPDK path).</summary>
    ulong Now();

    /// <summary>Ticks of <see cref="Now"/> per second.</summary>
    ulong TicksPerSecond { get; }
}
