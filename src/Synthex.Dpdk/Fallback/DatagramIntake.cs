using System.Runtime.CompilerServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// What both OS workers do with one received datagram, written once: count the datagrams the
/// kernel dropped at the socket before it (<c>SO_RXQ_OVFL</c>, as <c>no_buffer</c>), count it
/// received, drop truncated and empty ones under their reasons, run the app over the payload in
/// place (with the sender's endpoint read from the sockaddr the kernel wrote), and count
/// whatever the app absorbed or did not answer. The worker only moves buffers.
/// </summary>
/// <remarks>
/// A mutable struct held in a field of the generic worker: the app is a struct inside it, so
/// <see cref="IDatagramApp.Process"/> stays a direct, inlinable call.
/// </remarks>
internal unsafe struct DatagramIntake<TApp>(TApp app, WorkerCounters counters, int payloadRoom)
    where TApp : struct, IDatagramApp
{
    private TApp _app = app;
    private uint _kernelDrops; // the last SO_RXQ_OVFL value seen (the kernel's wrapping u32)
    private UdpEndpoint _local;

    /// <summary>Registers the worker that holds this intake with the app (<see cref="IDatagramApp.AttachWorker"/>); once, when the worker is built.</summary>
    public void AttachWorker()
    {
        if (TApp.AttachesWorker) _app.AttachWorker();
    }

    /// <summary>The address the socket is bound to: every datagram's <see cref="DatagramPeer.Local"/>. Set before the loop.</summary>
    public void BindLocal(UdpEndpoint local) => _local = local;

    /// <summary>How many datagrams the app has originated and not yet handed over (<see cref="IDatagramApp.PendingOriginations"/>).</summary>
    public readonly int PendingOriginations => _app.PendingOriginations;

    /// <summary>The app's next originated datagram (<see cref="IDatagramApp.Originate"/>): its length, -1 when none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Originate(Span<byte> payload, out DatagramPeer to) => _app.Originate(payload, out to);

    /// <summary>The app's time-driven work (<see cref="IDatagramApp.Poll"/>), once per poll; folded away unless it polls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Poll()
    {
        if (TApp.Polls) _app.Poll(System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>The app's <see cref="IDatagramApp.Stop"/>, when the worker stops receiving.</summary>
    public void Stop()
    {
        if (TApp.Polls) _app.Stop();
    }

    /// <summary>
    /// Counts, as received and dropped <c>no_buffer</c>, the datagrams the kernel dropped at the
    /// socket since the last count: <paramref name="drops"/> is the socket's running (wrapping)
    /// drop count, from a datagram's <c>SO_RXQ_OVFL</c> or, at stop, from <c>SO_MEMINFO</c> —
    /// the drops after the last datagram read arrive with no datagram to carry them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountKernelDrops(uint drops)
    {
        if (drops == _kernelDrops) return;
        uint lost = drops - _kernelDrops;
        _kernelDrops = drops;
        counters.Rx(lost, 0);
        counters.Drop(DropReason.NoBuffer, lost);
    }

    /// <summary>At stop: counts the drops no datagram reported (see <see cref="CountKernelDrops"/>).</summary>
    public void CountFinalKernelDrops(int fd)
    {
        if (UdpSocket.TryReadKernelDrops(fd, out uint drops)) CountKernelDrops(drops);
    }

    /// <summary>Bytes of payload a buffer holds: the most a reply may be.</summary>
    public readonly int PayloadRoom => payloadRoom;

    /// <summary>
    /// Accounts for one datagram of <paramref name="length"/> payload bytes at
    /// <paramref name="payload"/> from the sender in the sockaddr at <paramref name="name"/>;
    /// returns the reply's length to send from the same buffer, or -1 when it was dropped or
    /// absorbed (already counted: the caller only releases the buffer, at once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Receive(byte* control, nuint controlLen, byte* name, uint nameLen, bool truncated, byte* payload, int length)
    {
        if (ReceiveLayout.TryReadKernelDrops(control, controlLen, out uint drops)) CountKernelDrops(drops);
        counters.Rx(1, length);
        if (truncated) { counters.Drop(DropReason.TruncatedDatagram); return -1; }
        if (length == 0) { counters.Drop(DropReason.EmptyDatagram); return -1; }

        var peer = new DatagramPeer(SockAddr.ReadEndpoint(name, nameLen), _local, 0, 0, 0);
        DatagramVerdict verdict = _app.Process(new Span<byte>(payload, payloadRoom), length, new DatagramMeta(peer, 0));
        if (!verdict.IsReply)
        {
            if (verdict.IsAbsorbed) counters.Absorb();
            else counters.Drop(verdict.Reason);
            return -1;
        }
        if ((uint)verdict.ReplyLength > (uint)payloadRoom)
        {
            counters.Drop(DropReason.Oversized);
            return -1;
        }
        return verdict.ReplyLength;
    }
}
