using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using static Synthex.Dpdk.Fallback.Interop.SocketConst;

namespace Synthex.Dpdk.Fallback.Sockets;

/// <summary>
/// A socket worker for hosts without io_uring: <c>recvmmsg</c> fills up to
/// <see cref="OsBackendOptions.Batch"/> buffers per call, the app processes each datagram
/// in place, and one <c>sendmmsg</c> sends the batch's replies from the same buffers to the
/// addresses the receive wrote — two system calls per batch, no copy in user space.
/// </summary>
/// <remarks>
/// The socket is blocking with a 100 ms receive timeout (1 ms for apps that originate): <c>MSG_WAITFORONE</c> sleeps until one
/// datagram arrives and then takes whatever else is queued, and the timeout lets the worker see a
/// stop request. A blocking <c>sendmmsg</c> waits when the send queue is full rather than
/// dropping; a reply the kernel refuses is counted as <c>send_failed</c> and skipped. While
/// traffic flows (<see cref="ReceiveSpin"/>) the receive is first tried without blocking, for up to
/// the spin window, so the worker does not sleep between datagrams that come close together.
/// </remarks>
internal sealed unsafe class SocketWorker<TApp> : OsWorker where TApp : struct, IDatagramApp
{
    private const int DrainBatchesAtStop = 64;
    private DatagramIntake<TApp> _intake;
    private int _batch;
    private byte* _buffers;
    private MMsgHdr* _recv;
    private IoVec* _recvIovs;
    private MMsgHdr* _send;
    private IoVec* _sendIovs;
    private OriginSlots? _origin;   // apps that originate: their datagrams' buffers
    private int* _originTaken;      // slots in the current send batch

    public SocketWorker(int index, int fd, OsBackendOptions options, QuitFlag stop, TApp app)
        : base(index, fd, options, stop)
    {
        _intake = new(app, Counters, options.BufferSize - ReceiveLayout.PayloadOffset);
        _intake.AttachWorker();
    }

    protected override void SetUp()
    {
        _intake.BindLocal(Local);
        // Bind getsockopt now (a LibraryImport resolves its target on first call, which
        // allocates): the stop path reads the socket's final drop count with it.
        UdpSocket.TryReadKernelDrops(Fd, out _);
        _batch = Options.Batch;
        int size = Options.BufferSize;
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)(_batch * size), 64);
        _recv = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(MMsgHdr)));
        _recvIovs = (IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(IoVec)));
        // Replies first, then up to a batch of originated datagrams, in one sendmmsg.
        _send = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(2 * _batch * sizeof(MMsgHdr)));
        _sendIovs = (IoVec*)NativeMemory.AllocZeroed((nuint)(2 * _batch * sizeof(IoVec)));
        for (int i = _batch; i < 2 * _batch; i++)
        {
            _send[i].Hdr.Iov = _sendIovs + i;
            _send[i].Hdr.IovLen = 1;
        }
        if (TApp.Originates)
        {
            _origin = new OriginSlots(_batch, _intake.PayloadRoom);
            _originTaken = (int*)NativeMemory.Alloc((nuint)(_batch * sizeof(int)));
        }
        for (int i = 0; i < _batch; i++)
        {
            byte* buf = _buffers + (nuint)i * (nuint)size;
            _recvIovs[i].Base = buf + ReceiveLayout.PayloadOffset;
            _recvIovs[i].Len = (nuint)_intake.PayloadRoom;
            _recv[i].Hdr.Name = buf + ReceiveLayout.NameOffset;
            _recv[i].Hdr.Control = buf + ReceiveLayout.ControlOffset;
            _recv[i].Hdr.Iov = _recvIovs + i;
            _recv[i].Hdr.IovLen = 1;
            _send[i].Hdr.Iov = _sendIovs + i;
            _send[i].Hdr.IovLen = 1;
        }
        // Bind the two entry points now: a LibraryImport resolves its target on first call, and
        // that allocates, which the loop must not (ZeroAllocationTests). With vlen 0 neither
        // call touches the socket.
        Libc.RecvMmsg(Fd, _recv, 0, MSG_DONTWAIT, null);
        Libc.SendMmsg(Fd, _send, 0, 0);

        // 1 ms for apps that originate: their answers (another thread's work) must not wait for the
        // next datagram or a 100 ms wake-up (similarity, one query outstanding: p50 104 ms at 100 ms).
        var tv = new TimeVal { Sec = 0, Usec = TApp.Originates ? 1_000 : 100_000 };
        if (Libc.SetSockOpt(Fd, SOL_SOCKET, SO_RCVTIMEO, &tv, (uint)sizeof(TimeVal)) != 0)
            throw new OsBackendException($"setsockopt(SO_RCVTIMEO) failed: {Libc.StrError(Libc.LastErrno)}");
    }

    protected override void RunLoop()
    {
        while (!Stop.IsRequested)
        {
            int n = Spin.OutOfWork(Stopwatch.GetTimestamp()) ? SpinReceive() : Receive(MSG_WAITFORONE, _batch);
            if (n > 0) Spin.Arrived(Stopwatch.GetTimestamp());
            if (n < 0)
            {
                int errno = Libc.LastErrno;
                Counters.Poll(0);
                if (errno is Errno.EAGAIN or Errno.EINTR)
                {
                    _intake.Poll();
                    if (TApp.Originates && Originate(0) is int late and > 0) SendAll(late, 0);
                    continue;
                }
                Failure = $"recvmmsg failed: {Libc.StrError(errno)}";
                return;
            }
            Counters.Poll(n);
            int replies = Process(n);
            _intake.Poll();
            // Folded per app: only apps that originate pay for the question.
            int count = TApp.Originates ? Originate(replies) : replies;
            if (count > 0) SendAll(count, replies);
        }
        // What the socket already holds at stop is received and answered like the rest (bounded:
        // a sender that keeps going cannot hold the worker), and the drops that no datagram
        // carried a count for are counted, so rx = replied + absorbed + dropped covers everything
        // the kernel took for this socket.
        for (int round = 0; round < DrainBatchesAtStop; round++)
        {
            int n = Receive(MSG_DONTWAIT, _batch);
            if (n <= 0) break;
            Counters.Poll(n);
            int replies = Process(n);
            int count = TApp.Originates ? Originate(replies) : replies;
            if (count > 0) SendAll(count, replies);
        }
        _intake.CountFinalKernelDrops(Fd);
        if (TApp.Polls)
        {
            // Answers the app owes at stop (ABORTED to every open round's contributors).
            _intake.Stop();
            while (_intake.PendingOriginations > 0 && Originate(0) is int last and > 0) SendAll(last, 0);
        }
    }

    /// <summary>One <c>recvmmsg</c> of up to <paramref name="count"/> datagrams with <paramref name="flags"/>, its headers' lengths and flags reset first (the kernel overwrites them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Receive(int flags, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _recv[i].Hdr.NameLen = NameSpace;
            _recv[i].Hdr.ControlLen = ControlSpace;
            _recv[i].Hdr.Flags = 0;
        }
        return Libc.RecvMmsg(Fd, _recv, (uint)count, flags, null);
    }

    /// <summary>
    /// Traffic is flowing (<see cref="ReceiveSpin"/>): non-blocking receives until a datagram
    /// comes or the spin window ends, then the blocking one. The first try takes a whole batch
    /// (a backlog, under load); once it found the socket empty, the tries take one datagram:
    /// <c>recvmmsg</c> goes back to the socket for a second one after the first, and in ping-pong
    /// there never is one.
    /// </summary>
    private int SpinReceive()
    {
        int n = Receive(MSG_DONTWAIT, _batch);
        if (n >= 0 || Libc.LastErrno != Errno.EAGAIN) return n;
        var poll = new SingleReceivePoll(this);
        n = Spin.PollUntil(ref poll);
        if (n > 0) return n;
        if (n < 0) return -1; // errno is the failed recvmmsg's
        Spin.Missed(Stopwatch.GetTimestamp());
        return Receive(MSG_WAITFORONE, _batch);
    }

    /// <summary>One try of the spin: a non-blocking receive of one datagram; 1 when it came, 0 when the socket is empty, -1 on a failure.</summary>
    private readonly struct SingleReceivePoll(SocketWorker<TApp> worker) : ISpinPoll
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Try()
        {
            int n = worker.Receive(MSG_DONTWAIT, 1);
            return n > 0 ? n : n == 0 || Libc.LastErrno == Errno.EAGAIN ? 0 : -1;
        }
    }

    /// <summary>Runs the app over <paramref name="n"/> received datagrams; returns replies queued.</summary>
    private int Process(int n)
    {
        int replies = 0;
        for (int i = 0; i < n; i++)
        {
            ref MsgHdr h = ref _recv[i].Hdr;
            byte* payload = (byte*)_recvIovs[i].Base;
            int length = _intake.Receive((byte*)h.Control, h.ControlLen, (byte*)h.Name, h.NameLen, (h.Flags & MSG_TRUNC) != 0, payload, (int)_recv[i].Len);
            if (length < 0) continue;
            _send[replies].Hdr.Name = h.Name;
            _send[replies].Hdr.NameLen = h.NameLen;
            _sendIovs[replies].Base = payload;
            _sendIovs[replies].Len = (nuint)length;
            replies++;
        }
        return replies;
    }

    /// <summary>
    /// Appends what the app originated to the send batch after its <paramref name="replies"/>
    /// replies, from the origin slots (the app's peers recorded from their own datagrams);
    /// returns the batch's length.
    /// </summary>
    private int Originate(int replies)
    {
        OriginSlots origin = _origin!;
        int at = replies;
        int want = Math.Min(_intake.PendingOriginations, _batch);
        for (int k = 0; k < want && origin.TryTake(out int slot); k++)
        {
            int length = _intake.Originate(new Span<byte>(origin.Payload(slot), origin.PayloadRoom), out DatagramPeer to);
            if (length < 0)
            {
                origin.Release(slot);
                break;
            }
            _originTaken[at - replies] = slot;
            _send[at].Hdr.Name = origin.Name(slot);
            _send[at].Hdr.NameLen = origin.WriteName(slot, to.Remote, Local.IsIpv6);
            _sendIovs[at].Base = origin.Payload(slot);
            _sendIovs[at].Len = (nuint)Math.Min(length, origin.PayloadRoom);
            at++;
        }
        return at;
    }

    /// <summary>Sends the batch: <paramref name="replies"/> replies, then originated datagrams (their slots freed after).</summary>
    private void SendAll(int count, int replies)
    {
        int done = 0;
        while (done < count)
        {
            int m = Libc.SendMmsg(Fd, _send + done, (uint)(count - done), 0);
            if (m > 0)
            {
                for (int k = done; k < done + m; k++)
                {
                    if (k < replies) Counters.Tx(1, (long)_send[k].Len);
                    else Counters.Originated(1, (long)_send[k].Len);
                }
                done += m;
                continue;
            }
            int errno = Libc.LastErrno;
            if (m < 0 && errno == Errno.EINTR) continue;
            // The kernel refused the next datagram (ENOBUFS, an unreachable address...): count it
            // and go on with the rest of the batch.
            if (done < replies) Counters.Drop(DropReason.SendFailed);
            else Counters.OriginDrop(1);
            done++;
        }
        for (int k = replies; k < count; k++) _origin!.Release(_originTaken[k - replies]);
    }

    protected override void TearDown()
    {
        NativeMemory.AlignedFree(_buffers);
        NativeMemory.Free(_recv);
        NativeMemory.Free(_recvIovs);
        NativeMemory.Free(_send);
        NativeMemory.Free(_sendIovs);
        _origin?.Dispose();
        NativeMemory.Free(_originTaken);
        _origin = null;
        _originTaken = null;
        _buffers = null;
        _recv = null;
        _recvIovs = null;
        _send = null;
        _sendIovs = null;
    }
}
