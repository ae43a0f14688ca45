using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Where a frame came from, filled by the worker: the input port and queue; on the per-packet
/// path the flow's RSS hash (the device's when it gave one, else, for apps that ask
/// (<see cref="IFrameApp.UsesFlowHash"/>), the same Toeplitz hash computed in software, else 0);
/// and, for apps that ask (<see cref="IFrameApp.UsesTailroom"/>), how many bytes of the frame's
/// buffer follow it (a reply may grow into them).
/// </summary>
public readonly record struct FrameMeta(ushort Port, ushort Queue, uint RssHash, int Tailroom = 0)
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
    /// frame whose first segment holds at least this many bytes, chained or not, that <see cref="Process"/> rewrites the frame
    /// exactly as <see cref="RewriteHead"/> does and returns a fate that depends on the
    /// <see cref="FrameMeta"/> alone. The worker then asks <see cref="Process"/> once per burst
    /// (on its first frame) and rewrites the rest four at a time with no per-packet fate.
    /// Static, so it costs nothing to apps that keep the default: the JIT folds it per app.
    /// </remarks>
    static virtual int HeadRewriteLength => 0;

    /// <summary>
    /// What <see cref="RewriteHead"/> writes on the frames of a burst leaving through
    /// <paramref name="output"/>: asked once per burst, so per-port values (l2fwd's MACs) are
    /// looked up once and held in registers for the burst. Apps whose rewrite needs no value
    /// (macswap) return <c>default</c>. Never called while <see cref="HeadRewriteLength"/> is 0.
    /// </summary>
    /// <remarks>An app with a burst path implements it itself: a struct calling the interface's default would box.</remarks>
    HeadTemplate HeadTemplateFor(ushort output) => default;

    /// <summary>
    /// Rewrites the head of one frame in place: <paramref name="frame"/> is its first byte and at
    /// least <see cref="HeadRewriteLength"/> bytes follow; <paramref name="template"/> is
    /// <see cref="HeadTemplateFor"/>'s answer for the burst's output port. Never called while
    /// <see cref="HeadRewriteLength"/> is 0.
    /// </summary>
    static virtual void RewriteHead(ref byte frame, HeadTemplate template) { }

    /// <summary>
    /// Whether the app needs <see cref="FrameMeta.Tailroom"/> (its replies may be longer than
    /// the frame: <see cref="Fate.ReplyOf"/>). Static, folded per app by the JIT.
    /// </summary>
    static virtual bool UsesTailroom => false;

    /// <summary>
    /// Whether the app needs <see cref="FrameMeta.RssHash"/> for every frame: where the device
    /// gave no hash, the worker computes it (<c>Packets.FlowHash</c>, Toeplitz with DPDK's default
    /// key, ~6 ns for IPv4). Off by default, so no app pays for a hash it does not read; the
    /// device's hash, when there is one, is passed on either way (two loads). Static, folded per app.
    /// </summary>
    static virtual bool UsesFlowHash => false;

    /// <summary>Whether the app originates packets (<see cref="Originate{TIo}"/>); folded per app.</summary>
    static virtual bool Originates => false;

    /// <summary>Whether the app wants <see cref="AttachWorker"/> (<see cref="IDatagramApp.AttachesWorker"/>); folded per app.</summary>
    static virtual bool AttachesWorker => false;

    /// <summary>
    /// Called once by the worker that will run this copy of the app, when it is built (never on a
    /// start-up probe's copy): see <see cref="IDatagramApp.AttachWorker"/>.
    /// </summary>
    void AttachWorker() { }

    /// <summary>
    /// Builds up to <paramref name="max"/> packets the app originates, from the service pool
    /// of <paramref name="pool"/> (<see cref="IFramePool.Alloc"/>), each with its output port in
    /// <paramref name="ports"/>; returns how many. Called once per poll, only when <see cref="Originates"/>.
    /// </summary>
    unsafe int Originate<TPool>(ref TPool pool, nint* packets, ushort* ports, int max) where TPool : struct, IFramePool => 0;

    /// <summary>
    /// Called once when the worker stops, only when <see cref="Originates"/>; the worker then
    /// originates until nothing is left (bounded), so answers owed at stop (ABORTED) leave.
    /// </summary>
    void Stop() { }
}

/// <summary>
/// Marks an <see cref="IFrameApp"/> that decides from <see cref="FrameMeta"/> alone and never
/// reads the frame (forward's io mode). The worker then skips prefetching packet data: on
/// net_null, pulling every packet's data line into the cache for nothing cost io mode about
/// a third of its rate.
/// </summary>
public interface IOpaqueFrameApp : IFrameApp;
