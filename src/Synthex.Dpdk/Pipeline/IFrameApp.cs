namespace Synthex.Dpdk.Pipeline;

/// <summary>Where a frame came from. Filled by the backend, read by apps.</summary>
public readonly record struct FrameMeta(ushort Port, ushort Queue, uint RssHash);

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
