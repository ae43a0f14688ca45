using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>
/// An io_uring worker: one ring, one socket, one provided-buffer ring. A single multishot
/// <c>RECVMSG</c> fills buffers with datagrams; each is handed to the app in place, and a reply
/// is sent with <c>SENDMSG</c> straight from the same buffer, whose address area already holds
/// the sender. The buffer goes back to the ring when the send completes. Every loop iteration is
/// one <c>io_uring_enter</c>: it submits all replies prepared since the last one, runs the
/// deferred completion work, and waits for the next completion — except while traffic flows
/// (<see cref="ReceiveSpin"/>): then the worker enters without waiting, again and again, for at
/// most the spin window, before it blocks.
/// </summary>
/// <remarks>
/// <para>Backpressure: replies hold buffers until their sends complete. When every buffer is held
/// (a burst larger than the ring) the receive ends with <c>ENOBUFS</c>; datagrams wait in the
/// socket queue, and those that overflow it are counted from <c>SO_RXQ_OVFL</c> as
/// <c>no_buffer</c> drops. The receive is re-armed as soon as a buffer is back.</para>
/// <para>The SQ never overflows: each iteration handles at most as many completions as there are
/// free SQ slots (less two for re-arm and cancel), and each completion prepares at most one SQE.
/// The CQ never overflows either: it holds at least four entries per buffer (and two per SQ
/// entry; the kernel rounds up to a power of two), and every outstanding
/// completion belongs to a buffer (its receive, its send, a zero-copy send's notification).</para>
/// </remarks>
internal sealed unsafe class IoUringWorker<TApp> : OsWorker, IIoUringStats where TApp : struct, IDatagramApp
{
    private const ulong RecvTag = 1;
    private const ulong CancelTag = 2;
    private const ulong SendTag = 1UL << 63; // | buffer id
    private const ulong OriginTag = 1UL << 62; // | origin slot
    private const int OriginSlotCount = 64;   // originated datagrams in flight at once
    private const ushort BufferGroup = 0;
    private const uint SqEntries = 1024;
    private const long WaitTimeoutNs = 100_000_000; // wake every 100 ms to see a stop request
    // An app that originates may have answers ready (another thread's work) while no datagram
    // arrives: wake every 1 ms to send them. Measured with similarity, one query outstanding:
    // p50 latency 104 ms with the 100 ms wait (the answer waited for the wake-up).
    private static long IdleWaitNs => TApp.Originates ? 1_000_000 : WaitTimeoutNs;
    private const int DrainTimeoutMs = 1000;

    private readonly uint _setupFlags;
    private DatagramIntake<TApp> _intake;

    private IoUringRing? _ring;
    private ProvidedBufferRing? _buffers;
    private MsgHdr* _recvMsg;   // layout template of the multishot receive
    private MsgHdr* _sendMsgs;  // one per buffer id, live while its send is in flight
    private IoVec* _sendIovs;
    private OriginSlots? _origin;    // apps that originate: their datagrams' buffers
    private MsgHdr* _originMsgs;    // one per origin slot
    private IoVec* _originIovs;

    private bool _recvArmed;
    private int _buffersHeld;       // taken by the kernel for a datagram and not yet recycled
    private int _sendsInFlight;
    private uint _sendsPrepared;    // SENDMSGs prepared since the last io_uring_enter
    private long _noBufferStalls;   // receives ended by ENOBUFS (each re-armed)

    public IoUringWorker(int index, int fd, OsBackendOptions options, QuitFlag stop, TApp app, uint setupFlags)
        : base(index, fd, options, stop)
    {
        _intake = new(app, Counters, options.BufferSize - ReceiveLayout.PayloadOffset);
        _intake.AttachWorker();
        _setupFlags = setupFlags;
    }

    /// <summary>How often the multishot receive ran out of buffers and was re-armed.</summary>
    public long NoBufferStalls => Volatile.Read(ref _noBufferStalls);

    protected override void SetUp()
    {
        _intake.BindLocal(Local);
        // Bind getsockopt now (a LibraryImport resolves its target on first call, which
        // allocates): the stop path reads the socket's final drop count with it.
        UdpSocket.TryReadKernelDrops(Fd, out _);
        int count = Options.BufferCount;
        // Every outstanding completion owns a buffer: its receive, its send, and with zero-copy
        // the send's notification; four per buffer leaves room to spare.
        uint cqEntries = (uint)Math.Max(4 * count + 2 * OriginSlotCount, 2 * (int)SqEntries);
        _ring = IoUringRing.TryCreate(SqEntries, cqEntries, _setupFlags, out int err)
            ?? throw new OsBackendException($"io_uring_setup failed: {Libc.StrError(-err)}", -err);
        _buffers = new ProvidedBufferRing(_ring, BufferGroup, count, Options.BufferSize);

        _recvMsg = (MsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(MsgHdr));
        _recvMsg->NameLen = SocketConst.NameSpace;
        _recvMsg->ControlLen = SocketConst.ControlSpace;
        _sendMsgs = (MsgHdr*)NativeMemory.AllocZeroed((nuint)(count * sizeof(MsgHdr)));
        _sendIovs = (IoVec*)NativeMemory.AllocZeroed((nuint)(count * sizeof(IoVec)));
        for (int i = 0; i < count; i++)
        {
            byte* buf = _buffers.Buffer((ushort)i);
            _sendIovs[i].Base = buf + ReceiveLayout.PayloadOffset;
            _sendMsgs[i].Name = buf + ReceiveLayout.NameOffset;
            _sendMsgs[i].Iov = _sendIovs + i;
            _sendMsgs[i].IovLen = 1;
        }
        if (TApp.Originates)
        {
            _origin = new OriginSlots(OriginSlotCount, _intake.PayloadRoom);
            _originMsgs = (MsgHdr*)NativeMemory.AllocZeroed((nuint)(OriginSlotCount * sizeof(MsgHdr)));
            _originIovs = (IoVec*)NativeMemory.AllocZeroed((nuint)(OriginSlotCount * sizeof(IoVec)));
            for (int i = 0; i < OriginSlotCount; i++)
            {
                _originIovs[i].Base = _origin.Payload(i);
                _originMsgs[i].Name = _origin.Name(i);
                _originMsgs[i].Iov = _originIovs + i;
                _originMsgs[i].IovLen = 1;
            }
        }
        ArmReceive();
        int r = _ring.SubmitAndWait(0, 0);
        if (r < 0) throw new OsBackendException($"io_uring_enter (arming the receive) failed: {Libc.StrError(-r)}", -r);
    }

    protected override void RunLoop()
    {
        IoUringRing ring = _ring!;
        bool draining = false;
        long drainStart = 0;
        while (true)
        {
            if (!draining && Stop.IsRequested)
            {
                // Stop receiving, but finish what is in flight so every datagram received is
                // answered, absorbed or counted: rx = replied + absorbed + dropped at the end.
                draining = true;
                drainStart = Stopwatch.GetTimestamp();
                _intake.Stop();   // answers owed at stop are originated while draining
                if (_recvArmed) IoUringOps.PrepCancel(ring.NextSqe(), RecvTag, CancelTag);
            }
            if (draining && ((!_recvArmed && _sendsInFlight == 0 && (!TApp.Polls || _intake.PendingOriginations == 0))
                             || ElapsedMs(drainStart) > DrainTimeoutMs))
                break;

            uint wait;
            if (ring.CqReady != 0 || !_recvArmed)
            {
                wait = ring.CqReady != 0 ? 0u : 1u;
            }
            else if (!draining && Spin.OutOfWork(Stopwatch.GetTimestamp()))
            {
                // Traffic is flowing: instead of sleeping, enter without waiting, again and again,
                // until a completion is posted or the window ends (ReceiveSpin.PollUntil). Each
                // enter runs the task work a datagram queued for the multishot receive
                // (DEFER_TASKRUN), so the enter that finds the datagram also receives it. No
                // sleep, so no wake-up; as many system calls per datagram as the socket worker's
                // sendmmsg and non-blocking receives.
                if (ring.Unsubmitted != 0)
                {
                    // The replies go first, and the gap's clock starts after them, as it does
                    // after the socket worker's sendmmsg: the send (loopback delivery, waking the
                    // client) is not time the client took, and counting it shortened the window.
                    if (!Enter(ring, 0)) break;
                    Spin.RepliesSent(Stopwatch.GetTimestamp());
                    if (ring.CqReady != 0)
                    {
                        ProcessCompletions(ring, draining);
                        continue;
                    }
                }
                var poll = new EnterPoll(this, ring);
                int got = Spin.PollUntil(ref poll);
                if (got < 0) break;
                if (got > 0)
                {
                    ProcessCompletions(ring, draining);
                    continue;
                }
                Spin.Missed(Stopwatch.GetTimestamp());
                wait = _sendsPrepared + 1; // block as below (replies not yet submitted if the window ended first)
            }
            else
            {
                // With nothing left to read, wait for the replies being submitted plus one more event.
                // UDP sends complete inline during the submit, so their completions alone would end the
                // wait at once and cost a second io_uring_enter per datagram under light load (ping-
                // pong); waiting for one more makes it one enter per datagram: submit the reply, sleep
                // until the next datagram. Only while the receive is armed: otherwise the "one more"
                // could only be the timeout.
                wait = _sendsPrepared + 1;
            }
            if (!Enter(ring, wait)) break;
            ProcessCompletions(ring, draining);
        }
        // Drops after the last datagram read came with no datagram to carry their count.
        _intake.CountFinalKernelDrops(Fd);
    }

    /// <summary>One <c>io_uring_enter</c>: submits what is prepared, waits for <paramref name="wait"/> completions (or the idle timeout); false on a real failure.</summary>
    private bool Enter(IoUringRing ring, uint wait)
    {
        int r = ring.SubmitAndWait(wait, IdleWaitNs);
        _sendsPrepared = 0;
        if (r < 0 && r != -Errno.ETIME && r != -Errno.EINTR && r != -Errno.EBUSY && r != -Errno.EAGAIN)
        {
            Failure = $"io_uring_enter failed: {Libc.StrError(-r)}";
            return false;
        }
        return true;
    }

    /// <summary>One try of the spin: an enter that submits, runs queued completion work and does not wait; 1 when completions are ready, -1 on a failure.</summary>
    private readonly struct EnterPoll(IoUringWorker<TApp> worker, IoUringRing ring) : ISpinPoll
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Try() => !worker.Enter(ring, 0) ? -1 : ring.CqReady != 0 ? 1 : 0;
    }

    private void ProcessCompletions(IoUringRing ring, bool draining)
    {
        ProvidedBufferRing buffers = _buffers!;
        uint head = ring.CqHead;
        uint ready = ring.CqReady;
        uint space = ring.SqSpace;
        uint budget = space > 2 ? space - 2 : 0;
        uint n = Math.Min(ready, budget);
        int received = 0;
        for (uint i = 0; i < n; i++)
        {
            ref IoUringCqe cqe = ref ring.Cqe(head + i);
            ulong tag = cqe.UserData;
            if ((tag & SendTag) != 0)
                OnSent(buffers, (ushort)tag, cqe.Res, cqe.Flags);
            else if ((tag & OriginTag) != 0)
                OnOriginSent((int)(uint)tag, cqe.Res, cqe.Flags);
            else if (tag == RecvTag)
                received += OnReceived(ring, buffers, cqe.Res, cqe.Flags);
            // CancelTag: nothing to do; the receive's own final CQE reports the end.
        }
        ring.CqAdvance(n);
        buffers.Publish();
        Counters.Poll(received);
        if (received != 0) Spin.Arrived(Stopwatch.GetTimestamp());
        // Folded per app: only apps that originate pay for the question.
        if (!draining) _intake.Poll();
        // While draining only an app that polls still originates: what it owes at stop.
        if (TApp.Originates && (!draining || TApp.Polls)) Originate(ring);

        // Re-arm a receive that ended (ENOBUFS, or an error the kernel ends multishot on) once
        // there is a buffer to receive into; arming with none would only end again at once.
        if (!_recvArmed && !draining && _buffersHeld < buffers.Count)
            ArmReceive();
    }

    /// <summary>One receive completion; returns 1 when it carried a datagram.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int OnReceived(IoUringRing ring, ProvidedBufferRing buffers, int res, uint flags)
    {
        if ((flags & IORING_CQE_F_MORE) == 0) _recvArmed = false;
        if (res < 0)
        {
            if (res == -Errno.ENOBUFS) _noBufferStalls++;
            // ECANCELED: our own cancel at stop. Anything else ends the multishot; it is re-armed.
            return 0;
        }
        if ((flags & IORING_CQE_F_BUFFER) == 0)
            Environment.FailFast("io_uring RECVMSG completed without a provided buffer");

        ushort bid = (ushort)(flags >> IORING_CQE_BUFFER_SHIFT);
        _buffersHeld++;
        byte* buf = buffers.Buffer(bid);
        var hdr = (IoUringRecvmsgOut*)buf;

        int length = _intake.Receive(buf + ReceiveLayout.ControlOffset, hdr->ControlLen, buf + ReceiveLayout.NameOffset, hdr->NameLen,
            (hdr->Flags & SocketConst.MSG_TRUNC) != 0, buf + ReceiveLayout.PayloadOffset, (int)hdr->PayloadLen);
        if (length < 0)
        {
            // Dropped or absorbed, and counted: the buffer goes straight back to the kernel.
            buffers.Recycle(bid);
            _buffersHeld--;
            return 1;
        }

        // Reply from the same buffer: the sender's address is already in the name area.
        MsgHdr* msg = _sendMsgs + bid;
        msg->NameLen = hdr->NameLen;
        _sendIovs[bid].Len = (nuint)length;
        IoUringSqe* sqe = ring.NextSqe();
        if (sqe == null) Environment.FailFast("io_uring SQ full despite the completion budget");
        IoUringOps.PrepSendmsg(sqe, Fd, msg, SendTag | bid, Options.SendZeroCopy);
        _sendsInFlight++;
        _sendsPrepared++;
        return 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnSent(ProvidedBufferRing buffers, ushort bid, int res, uint flags)
    {
        if ((flags & IORING_CQE_F_NOTIF) == 0)
        {
            // The send's own completion: count it.
            if (res >= 0) Counters.Tx(1, res);
            else Counters.Drop(DropReason.SendFailed);
            // A zero-copy send still owns the buffer until its notification arrives.
            if ((flags & IORING_CQE_F_MORE) != 0) return;
        }
        _sendsInFlight--;
        buffers.Recycle(bid);
        _buffersHeld--;
    }

    /// <summary>
    /// Prepares a SENDMSG per datagram the app originated, from the origin slots, as far as the
    /// SQ (less two for re-arm and cancel) and the free slots allow; submitted with the replies
    /// by the next <c>io_uring_enter</c>.
    /// </summary>
    private void Originate(IoUringRing ring)
    {
        OriginSlots origin = _origin!;
        uint space = ring.SqSpace;
        int budget = Math.Min(space > 2 ? (int)space - 2 : 0, _intake.PendingOriginations);
        for (int k = 0; k < budget && origin.TryTake(out int slot); k++)
        {
            int length = _intake.Originate(new Span<byte>(origin.Payload(slot), origin.PayloadRoom), out DatagramPeer to);
            if (length < 0)
            {
                origin.Release(slot);
                return;
            }
            _originMsgs[slot].NameLen = origin.WriteName(slot, to.Remote, Local.IsIpv6);
            _originIovs[slot].Len = (nuint)Math.Min(length, origin.PayloadRoom);
            IoUringOps.PrepSendmsg(ring.NextSqe(), Fd, _originMsgs + slot, OriginTag | (uint)slot, Options.SendZeroCopy);
            _sendsInFlight++;
            _sendsPrepared++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnOriginSent(int slot, int res, uint flags)
    {
        if ((flags & IORING_CQE_F_NOTIF) == 0)
        {
            if (res >= 0) Counters.Originated(1, res);
            else Counters.OriginDrop(1);
            if ((flags & IORING_CQE_F_MORE) != 0) return; // zero-copy: the slot is busy until the notification
        }
        _sendsInFlight--;
        _origin!.Release(slot);
    }

    private void ArmReceive()
    {
        IoUringOps.PrepRecvmsgMultishot(_ring!.NextSqe(), Fd, _recvMsg, BufferGroup, RecvTag);
        _recvArmed = true;
    }

    protected override void TearDown()
    {
        // Closing the ring cancels the receive and releases the buffer group; only then may the
        // buffers and the message headers the kernel pointed into be freed.
        _ring?.Dispose();
        _buffers?.Dispose();
        NativeMemory.Free(_recvMsg);
        NativeMemory.Free(_sendMsgs);
        NativeMemory.Free(_sendIovs);
        _origin?.Dispose();
        NativeMemory.Free(_originMsgs);
        NativeMemory.Free(_originIovs);
        _origin = null;
        _originMsgs = null;
        _originIovs = null;
        _recvMsg = null;
        _sendMsgs = null;
        _sendIovs = null;
    }
}
