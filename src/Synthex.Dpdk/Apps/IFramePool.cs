namespace Synthex.Dpdk.Apps;

/// <summary>
/// The packets an app that originates may build: taken from the service's own pool, written in
/// place and handed back to the worker to send. A packet is an opaque handle (an
/// <c>rte_mbuf*</c> on the DPDK path). Implemented by the worker's I/O struct (the pipeline's
/// <c>IPacketIo</c> extends it), used as a generic argument: direct calls, one native call per batch.
/// </summary>
public unsafe interface IFramePool
{
    /// <summary>
    /// Takes up to <paramref name="count"/> packets from the pool of originated packets (the
    /// service's, not the RX pool: packets held for sending must never starve receive); returns
    /// how many (0 when the pool cannot give them all). One native call.
    /// </summary>
    int Alloc(nint* packets, int count);

    /// <summary>Returns packets to their pool.</summary>
    void Free(nint* packets, int count);

    /// <summary>
    /// Bytes from the packet's first data byte to the end of its (first) buffer: the frame and
    /// the tailroom after it. A few loads.
    /// </summary>
    Span<byte> Room(nint packet);

    /// <summary>
    /// Makes the packet's frame the <paramref name="length"/> bytes at <paramref name="start"/> of
    /// its <see cref="Room"/> (a single segment): a reply that changed length, an originated packet.
    /// </summary>
    void SetFrame(nint packet, int start, int length);
}
