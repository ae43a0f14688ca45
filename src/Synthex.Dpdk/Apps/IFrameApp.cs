using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>Where a frame came from. Filled by the backend, read by apps.</summary>
public readonly record struct FrameMeta(ushort Port, ushort Queue, uint RssHash)
{
    /// <summary>
    /// Port ids are below this: DPDK's RTE_MAX_ETHPORTS in Debian's 22.11 build (asserted at
    /// compile time beside the DPDK backend, <c>DpdkPort</c>). Apps size their per-port tables by it.
    /// </summary>
    public const int MaxPorts = 32;
}

/// <summary>
/// An L2 application: sees whole Ethernet frames in place (inside an mbuf on the DPDK path,
/// inside a test buffer in unit tests) and returns a fate per frame.
/// </summary>
/// <remarks>
/// Implemented by <b>structs</b> only and used through a generic parameter constrained to
/// <c>struct, IFrameApp</c>, so the JIT specializes the burst loop for each app and the call
/// is direct and inlinable: no per-packet virtual call. Implementations must not allocate,
/// lock or throw.
/// </remarks>
public interface IFrameApp
{
    /// <summary>Decides the fate of one frame, rewriting it in place if the app does.</summary>
    Fate Process(Span<byte> frame, in FrameMeta meta);

    /// <summary>
    /// Bytes at the head of a frame that <see cref="RewriteHead"/> rewrites; 0 (the default): the
    /// app has no burst path and the worker calls <see cref="Process"/> for every frame.
    /// </summary>
    /// <remarks>
    /// An app that sets it (a port-mapped rewrite such as forward's macswap) promises, for every
    /// single-segment frame at least this long, that <see cref="Process"/> rewrites the frame
    /// exactly as <see cref="RewriteHead"/> does and returns a fate that depends on the
    /// <see cref="FrameMeta"/> alone. The worker then asks <see cref="Process"/> once per burst
    /// (on its first frame) and rewrites the rest four at a time with no per-packet fate.
    /// Static, so it costs nothing to apps that keep the default: the JIT folds it per app.
    /// </remarks>
    static virtual int HeadRewriteLength => 0;

    /// <summary>
    /// Rewrites the head of one frame in place: <paramref name="frame"/> is its first byte and at
    /// least <see cref="HeadRewriteLength"/> bytes follow. Never called while that is 0.
    /// </summary>
    static virtual void RewriteHead(ref byte frame) { }
}

/// <summary>
/// An L4 (UDP) application: sees one datagram's payload in place (in a provided buffer on the
/// io_uring path) and may rewrite it; a <see cref="FateKind.Reply"/> sends the (rewritten)
/// payload back to the datagram's sender. Same rules as <see cref="IFrameApp"/>.
/// </summary>
public interface IDatagramApp
{
    /// <summary>
    /// Decides the fate of one datagram. <paramref name="length"/> is the payload length on
    /// entry and the reply length on exit (at most <c>payload.Length</c>, the buffer capacity).
    /// </summary>
    Fate Process(Span<byte> payload, ref int length);
}

/// <summary>
/// Marks an <see cref="IFrameApp"/> that decides from <see cref="FrameMeta"/> alone and never
/// reads the frame (forward's io mode). The worker then skips prefetching packet data: on
/// net_null, pulling every packet's data line into the cache for nothing cost io mode about
/// a third of its rate.
/// </summary>
public interface IOpaqueFrameApp : IFrameApp;
