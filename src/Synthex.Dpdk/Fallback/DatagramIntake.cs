using System.Runtime.CompilerServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// What both OS workers do with one received datagram, written once: count the datagrams the
/// kernel dropped at the socket before it (<c>SO_RXQ_OVFL</c>, as <c>no_buffer</c>), count it
/// received, drop truncated and empty ones under their reasons, run the app over the payload in
/// place, and count whatever the app did not answer. The worker only moves buffers.
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

    /// <summary>Bytes of payload a buffer holds: the most a reply may be.</summary>
    public readonly int PayloadRoom => payloadRoom;

    /// <summary>
    /// Accounts for one datagram of <paramref name="length"/> payload bytes at
    /// <paramref name="payload"/>; returns the reply's length to send from the same buffer, or -1
    /// when it was dropped (already counted: the caller only releases the buffer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Receive(byte* control, nuint controlLen, bool truncated, byte* payload, int length)
    {
        if (ReceiveLayout.TryReadKernelDrops(control, controlLen, out uint drops) && drops != _kernelDrops)
        {
            uint lost = drops - _kernelDrops;
            _kernelDrops = drops;
            counters.Rx(lost, 0);
            counters.Drop(DropReason.NoBuffer, lost);
        }
        counters.Rx(1, length);
        if (truncated) { counters.Drop(DropReason.TruncatedDatagram); return -1; }
        if (length == 0) { counters.Drop(DropReason.EmptyDatagram); return -1; }

        Fate fate = _app.Process(new Span<byte>(payload, payloadRoom), ref length);
        if (fate.Kind != FateKind.Reply)
        {
            counters.Drop(fate.Kind == FateKind.Drop ? fate.Reason : DropReason.NoRoute);
            return -1;
        }
        if ((uint)length > (uint)payloadRoom)
            Environment.FailFast($"app returned a reply of {length} bytes in a {payloadRoom}-byte buffer");
        return length;
    }
}
