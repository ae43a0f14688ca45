using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The poll loop of one worker, DPDK l2fwd's shape: drain TX buffers every ~100 µs (reading
/// the clock only while something waits in them), <c>rx_burst</c> each owned queue, <c>continue</c> on zero, run the app over the burst
/// in place, buffer what leaves per output port and send a full buffer with one <c>tx_burst</c>;
/// what TX refuses is freed in bulk and counted <c>tx_full</c>; drops are freed in bulk once per
/// burst.
/// </summary>
/// <remarks>
/// Generic over the app and the I/O, both structs: the JIT compiles this class once per pair,
/// so <c>_app.Process</c> and <c>_io.RxBurst</c> are direct calls (the app's usually inlined).
/// All buffers are native memory allocated at construction: the loop allocates nothing.
/// </remarks>
public sealed unsafe class FrameWorker<TApp, TIo> : IWorker
    where TApp : struct, IFrameApp
    where TIo : struct, IPacketIo
{
    /// <summary>TX buffers are drained at least this often (DPDK l2fwd: BURST_TX_DRAIN_US = 100).</summary>
    public const int DrainMicroseconds = 100;

    /// <summary>Packets ahead of the one being processed whose data is prefetched (l3fwd uses 3).</summary>
    private const int PrefetchAhead = 3;

    /// <summary>Folded to a constant by the JIT for each struct app: no branch in the loop.</summary>
    private static readonly bool ReadsFrames = !typeof(IOpaqueFrameApp).IsAssignableFrom(typeof(TApp));

    private TApp _app;
    private TIo _io;
    private readonly RxQueueRef[] _rx;
    private readonly WorkerCounters _counters;
    private readonly QuitFlag _stop;
    private readonly int _burst;
    private readonly bool _countBytes; // false only for apps that never read frames (forward io, --count-bytes false)
    private readonly ulong _drainTicks;
    private readonly nint* _packets;   // rx burst
    private readonly nint* _drops;     // dropped in the current burst
    private readonly nint* _origin;    // originated by the app in the current poll
    private readonly ushort* _originPorts;
    private readonly TxBuffer* _tx;    // one per port id
    private readonly ushort[] _txPorts; // the port ids this worker has a TX queue on
    private ulong _lastDrain;
    private IdleBackoff _idle;
    private bool _disposed;

    [StructLayout(LayoutKind.Sequential)]
    private struct TxBuffer
    {
        public nint* Slots;     // null: this worker has no TX queue on the port
        public long Bytes;      // bytes of the packets in Slots, for tx_bytes of what is actually sent
        public int Count;
        public ushort Queue;
    }

    /// <param name="txQueues">The TX queue this worker uses on each port id it may send to.</param>
    /// <param name="idle">What to do when the queues stay empty (<c>--idle</c>); busy polling unless asked.</param>
    /// <param name="rxWait">The RX-interrupt wait over <paramref name="rx"/> for <see cref="IdleMode.Interrupt"/> (null: that mode sleeps).</param>
    /// <param name="countBytes">
    /// False: count packets only, as testpmd's io mode does, so the loop reads no packet at all
    /// (the per-packet length load is ~4% of a core at net_null's rates). Only for apps that never
    /// read frames: the others load the packet's descriptor anyway and count bytes at no cost.
    /// </param>
    public FrameWorker(TApp app, TIo io, RxQueueRef[] rx, IReadOnlyDictionary<int, ushort> txQueues,
                       int burst, WorkerCounters counters, QuitFlag stop, IdleMode idle = IdleMode.Busy, IRxWait? rxWait = null,
                       bool countBytes = true)
    {
        if (!countBytes && ReadsFrames)
            throw new ArgumentException($"{typeof(TApp).Name} reads frames: only apps that never do (forward io) leave bytes uncounted", nameof(countBytes));
        // Apps that originate packets on their own timers (a consensus round's deadline) wake
        // every millisecond, as the io_uring worker does.
        _idle = new IdleBackoff(idle, rxWait, TApp.Originates ? 1 : IdleBackoff.InterruptWaitMilliseconds);
        if (burst is < 1 or > IPacketIo.MaxBurst) throw new ArgumentOutOfRangeException(nameof(burst));
        _app = app;
        // The real worker, not a start-up probe: the app registers it with its shared service here.
        if (TApp.AttachesWorker) _app.AttachWorker();
        _io = io;
        _rx = rx;
        _burst = burst;
        _countBytes = countBytes;
        _counters = counters;
        _counters.CountsBytes = countBytes;
        _stop = stop;
        _drainTicks = io.TicksPerSecond / 1_000_000 * DrainMicroseconds;
        _packets = (nint*)NativeMemory.AlignedAlloc((nuint)(burst * sizeof(nint)), 64);
        _drops = (nint*)NativeMemory.AlignedAlloc((nuint)(burst * sizeof(nint)), 64);
        _origin = (nint*)NativeMemory.AlignedAlloc((nuint)(burst * sizeof(nint)), 64);
        _originPorts = (ushort*)NativeMemory.AlignedAlloc((nuint)(burst * sizeof(ushort)), 64);
        _tx = (TxBuffer*)NativeMemory.AlignedAlloc((nuint)(FrameMeta.MaxPorts * sizeof(TxBuffer)), 64);
        new Span<byte>(_tx, FrameMeta.MaxPorts * sizeof(TxBuffer)).Clear();
        _txPorts = txQueues.Keys.Select(p => (ushort)p).Order().ToArray();
        foreach (var (port, queue) in txQueues)
        {
            _tx[port].Slots = (nint*)NativeMemory.AlignedAlloc((nuint)(burst * sizeof(nint)), 64);
            _tx[port].Queue = queue;
        }
    }

    public WorkerCounters Counters => _counters;

    /// <summary>Sleeps the idle back-off has taken (<see cref="IdleMode.Sleep"/>); read after <see cref="Run"/>.</summary>
    public long IdleSleeps => _idle.Sleeps;

    /// <summary>Interrupt waits the idle back-off has taken (<see cref="IdleMode.Interrupt"/>); read after <see cref="Run"/>.</summary>
    public long IdleWaits => _idle.Waits;

    /// <summary>The idle mode in force (interrupt falls back to sleep where it cannot be used); read after <see cref="Run"/> started.</summary>
    public IdleMode IdleMode => _idle.Mode;

    public void Run()
    {
        _idle.Start(); // on this thread: the interrupt wait uses the thread's own epoll instance
        // The first poll binds the native entry points (the shim is resolved and loaded lazily,
        // which allocates): measure the loop from the second poll on, the steady state.
        _lastDrain = _io.Now();
        PollOnce();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        if (_idle.Mode == IdleMode.Busy)
        {
            while (!_stop.IsRequested) PollOnce();
        }
        else
        {
            // Back off only when nothing came and nothing waits for the TX drain: a reply held in a
            // TX buffer must leave at the next ~100 us drain, not after a sleep.
            while (!_stop.IsRequested)
            {
                if (PollOnce() == 0 && !HasPendingTx()) _idle.Empty();
                else _idle.Busy();
            }
        }
        if (TApp.Originates)
        {
            // Answers the app owes at stop (ABORTED to open rounds' contributors), a bounded
            // number of bursts: the pool or TX may refuse them, counted as origin drops.
            _app.Stop();
            for (int i = 0; i < 4096 && Originate() > 0; i++) Drain();
        }
        Drain();
        _counters.LoopAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    }

    public int PollOnce()
    {
        // Drain partly filled TX buffers every ~100 us. At full rate every burst fills its
        // buffer and is sent at once, so nothing waits: the clock (a native call and an rdtsc,
        // ~10 ns) is read only while something does.
        if (HasPendingTx())
        {
            ulong now = _io.Now();
            if (now - _lastDrain >= _drainTicks)
            {
                Drain();
                _lastDrain = now;
            }
        }

        int total = 0;
        RxQueueRef[] rx = _rx;
        for (int q = 0; q < rx.Length; q++)
        {
            int n = _io.RxBurst(rx[q].Port, rx[q].Queue, _packets, _burst);
            _counters.Poll(n);
            if (n == 0) continue;
            ProcessBurst(rx[q], n);
            total += n;
        }
        // Folded per app: only apps that originate packets (services) pay for the question.
        if (TApp.Originates) Originate();
        return total;
    }

    /// <summary>
    /// Sends what the app originated since the last poll: one <c>tx_burst</c> per run of packets
    /// for the same port. Originated packets were not received, so what TX refuses is counted
    /// apart from the drops of received packets (<see cref="WorkerCounters.OriginDropped"/>) and
    /// <c>rx = replied + absorbed + dropped</c>, <c>tx = replied + originated</c> both hold.
    /// </summary>
    private int Originate()
    {
        int n = _app.Originate(ref _io, _origin, _originPorts, _burst);
        for (int i = 0; i < n;)
        {
            ushort port = _originPorts[i];
            int j = i + 1;
            while (j < n && _originPorts[j] == port) j++;
            nint* packets = _origin + i;
            int count = j - i;
            int sent = 0;
            long bytes = 0;
            if (port < FrameMeta.MaxPorts && _tx[port].Slots is not null)
            {
                for (int k = 0; k < count; k++) bytes += _io.PacketLength(packets[k]);
                sent = _io.TxBurst(port, _tx[port].Queue, packets, count);
                for (int k = sent; k < count; k++) bytes -= _io.PacketLength(packets[k]);
            }
            if (sent < count)
            {
                _io.Free(packets + sent, count - sent);
                _counters.OriginDrop(count - sent);
            }
            _counters.Originated(sent, bytes);
            i = j;
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into PollOnce: the opaque path is a call frame less per burst
    private void ProcessBurst(RxQueueRef from, int n)
    {
        if (!ReadsFrames)
        {
            ProcessOpaqueBurst(from, n);
            return;
        }
        // Folded per app by the JIT: apps without a burst path go straight to the per-packet loop.
        int done = TApp.HeadRewriteLength > 0 ? ProcessRewriteBurst(from, n) : 0;
        if (done < n) ProcessFrames(from, done, n);
    }

    /// <summary>The per-packet path: <see cref="IFrameApp.Process"/> gives each frame of packets[start..n) its fate.</summary>
    private void ProcessFrames(RxQueueRef from, int start, int n)
    {
        nint* packets = _packets;
        var meta = new FrameMeta(from.Port, from.Queue, 0);
        long rxBytes = 0;
        int dropped = 0, absorbed = 0;

        for (int i = start; i < n && i < start + PrefetchAhead; i++) _io.Prefetch(packets[i]);
        // Consecutive packets mostly share a fate (same output port): decode it and find the
        // TX buffer only when it changes. A drop is never cached, so it never matches.
        Fate cached = Fate.Drop(DropReason.None);
        TxBuffer* tx = null;
        ushort output = 0;
        for (int i = start; i < n; i++)
        {
            if (i + PrefetchAhead < n) _io.Prefetch(packets[i + PrefetchAhead]);
            nint packet = packets[i];
            Span<byte> frame = _io.Frame(packet, out int length, out bool chained);
            rxBytes += length;
            // The device's flow hash if it gave one; else, only for apps that asked, software's.
            uint rss = _io.TryRssHash(packet, out uint hash) ? hash : TApp.UsesFlowHash ? FlowHash.Of(frame) : 0;
            meta = meta with { RssHash = rss };
            if (TApp.UsesTailroom) meta = meta with { Tailroom = _io.Room(packet).Length - frame.Length };
            // A chained frame is the app's only when the app rewrites the head alone and its first
            // segment holds the Ethernet header (macswap, l2fwd: jumbo frames over scattered RX).
            Fate fate = chained && (TApp.HeadRewriteLength == 0 || frame.Length < EthernetHeader.Length)
                ? Fate.Drop(DropReason.MultiSegment)
                : _app.Process(frame, in meta);
            if (TApp.UsesTailroom && fate.Kind == FateKind.Reply && fate.Length != 0)
            {
                // A reply of another length (a service's answer): the frame is its first bytes.
                _io.SetFrame(packet, 0, fate.Length);
                length = fate.Length;
                fate = Fate.Reply;
            }

            if (fate != cached)
            {
                if (fate.Kind >= FateKind.Drop)
                {
                    if (fate.Kind == FateKind.Absorb) absorbed++;
                    else _counters.Drop(fate.Reason);
                    _drops[dropped++] = packet;
                    continue;
                }
                tx = OutputOf(fate, from.Port, out output);
                if (tx is null)
                {
                    _counters.Drop(DropReason.NoRoute);
                    _drops[dropped++] = packet;
                    cached = Fate.Drop(DropReason.None);
                    continue;
                }
                cached = fate;
            }
            tx->Slots[tx->Count] = packet;
            tx->Bytes += length;
            if (++tx->Count == _burst) Flush(output, tx);
        }

        _counters.Rx(n - start, rxBytes);
        if (absorbed != 0) _counters.Absorb(absorbed);
        if (dropped != 0) _io.Free(_drops, dropped);
    }

    /// <summary>
    /// The burst path of port-mapped rewrites (<see cref="IFrameApp.HeadRewriteLength"/> &gt; 0):
    /// <see cref="IFrameApp.Process"/> gives the first frame its fate, which by the app's
    /// contract is every frame's whose first segment holds the head; the frames after it are
    /// checked (that one load: chained frames qualify, the head is all that is rewritten) and
    /// rewritten four at a time with no per-packet fate, as testpmd's macswap_sse does, and a
    /// full burst into an empty TX buffer is sent straight from the RX array. Returns how many
    /// packets it took (from the start of the burst): it stops at the first frame too short for
    /// the head, and the per-packet path takes the rest.
    /// </summary>
    /// <remarks>
    /// Measured side by side with dpdk-testpmd on net_null (scripts/bench-forward.sh, 5 rounds,
    /// 2026-11-27 05:25 UTC): macswap at burst 32 went from 0.68 to 0.96 x testpmd (52 to 69
    /// Mpps on the shared host), at 64 from 0.76 to 0.92, at 128 from 0.80 to 0.96. One pass
    /// (check, rewrite) beat two (check and collect data addresses, then rewrite): 0.88 vs 0.85.
    /// No data prefetch: on net_null the mempool's LIFO cache hands back the same few dozen
    /// mbufs, whose data is still cached, and prefetching the whole burst measured ~0.02 slower.
    /// </remarks>
    private int ProcessRewriteBurst(RxQueueRef from, int n)
    {
        nint* packets = _packets;
        int head = TApp.HeadRewriteLength;
        if (_io.FirstSegment(packets[0], out uint length0, out _) < head) return 0;

        var meta = new FrameMeta(from.Port, from.Queue, 0);
        Fate fate = _app.Process(_io.Frame(packets[0], out _, out _), in meta);
        TxBuffer* tx = OutputOf(fate, from.Port, out ushort output);
        if (tx is null)
        {
            // Not a way out (a misconfiguration or a drop-all app): the first frame is dropped
            // here as the per-packet path would, which takes the rest.
            _counters.Rx(1, length0);
            _counters.Drop(fate.Kind == FateKind.Drop ? fate.Reason : DropReason.NoRoute);
            _io.Free(packets, 1);
            return 1;
        }

        // Once per burst: the output port's rewrite values, kept in registers for the loop (the
        // stores into frames below could alias the app's fields, so the JIT would reload them).
        HeadTemplate template = _app.HeadTemplateFor(output);
        long bytes = length0;
        int i = 1;
        for (; i + 4 <= n; i += 4)
        {
            nint* p = packets + i;
            // Each first segment's length less the head: the OR is negative when one is short
            // (lengths are 0..65535), one test for the four instead of four compares and ANDs.
            int spare = (_io.FirstSegment(p[0], out uint l0, out byte* d0) - head)
                      | (_io.FirstSegment(p[1], out uint l1, out byte* d1) - head)
                      | (_io.FirstSegment(p[2], out uint l2, out byte* d2) - head)
                      | (_io.FirstSegment(p[3], out uint l3, out byte* d3) - head);
            if (spare < 0) break; // the loop below finds which one
            bytes += (long)l0 + l1 + l2 + l3;
            TApp.RewriteHead(ref *d0, template);
            TApp.RewriteHead(ref *d1, template);
            TApp.RewriteHead(ref *d2, template);
            TApp.RewriteHead(ref *d3, template);
        }
        for (; i < n; i++)
        {
            if (_io.FirstSegment(packets[i], out uint length, out byte* data) < head) break;
            bytes += length;
            TApp.RewriteHead(ref *data, template);
        }
        _counters.Rx(i, bytes);

        if (i == n && n == _burst && tx->Count == 0)
        {
            Send(output, tx->Queue, packets, n, bytes);
            return n;
        }
        for (int k = 0; k < i; k++)
        {
            tx->Slots[tx->Count] = packets[k];
            tx->Bytes += _io.PacketLength(packets[k]);
            if (++tx->Count == _burst) Flush(output, tx);
        }
        return i;
    }

    /// <summary>
    /// The burst path of apps that never read frames (<see cref="IOpaqueFrameApp"/>): one fate
    /// per burst, since it depends on the input port and queue only. Per packet, only its
    /// length is read (from the mbuf's first cache line, which the PMD just wrote); a full
    /// burst into an empty TX buffer is sent straight from the RX array, as testpmd's io mode
    /// does. Chained mbufs go through whole: the PMD transmits chains. Under
    /// <c>--count-bytes false</c> no packet is read at all (the branch is once per burst).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ProcessOpaqueBurst(RxQueueRef from, int n)
    {
        nint* packets = _packets;
        long bytes = _countBytes ? BytesOf(packets, n) : 0;
        _counters.Rx(n, bytes);

        var meta = new FrameMeta(from.Port, from.Queue, 0);
        Fate fate = _app.Process(default, in meta);
        TxBuffer* tx = OutputOf(fate, from.Port, out ushort output);
        if (tx is null)
        {
            _counters.Drop(fate.Kind == FateKind.Drop ? fate.Reason : DropReason.NoRoute, n);
            _io.Free(packets, n);
            return;
        }
        if (tx->Count == 0 && n == _burst)
        {
            Send(output, tx->Queue, packets, n, bytes);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            tx->Slots[tx->Count] = packets[i];
            if (_countBytes) tx->Bytes += _io.PacketLength(packets[i]);
            if (++tx->Count == _burst) Flush(output, tx);
        }
    }

    /// <summary>The packets' total length.</summary>
    /// <remarks>
    /// A method of its own, not inlined: inlined into <see cref="PollOnce"/> with the rest of the
    /// opaque path, the JIT kept the sum and the packet array on the stack, a store and a load
    /// per packet (the loop's share of the forwarding thread went from 6% to 9%, cpu-clock
    /// profile, 2026-12-07). Here both stay in registers, for the price of a call per burst.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long BytesOf(nint* packets, int n)
    {
        long bytes = 0;
        for (nint* p = packets, end = packets + n; p < end; p++) bytes += (uint)_io.PacketLength(*p);
        return bytes;
    }

    /// <summary>
    /// The TX buffer a fate leaves through (<paramref name="port"/>: the output port id), or null
    /// when it leaves through none: a drop, or a port this worker has no TX queue on (no_route).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TxBuffer* OutputOf(Fate fate, ushort inPort, out ushort port)
    {
        port = fate.Kind switch
        {
            FateKind.Forward => fate.Port,
            FateKind.Reply => inPort,
            _ => ushort.MaxValue,
        };
        if (port >= FrameMeta.MaxPorts) return null;
        TxBuffer* tx = &_tx[port];
        return tx->Slots is null ? null : tx;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HasPendingTx()
    {
        ushort[] ports = _txPorts;
        for (int i = 0; i < ports.Length; i++)
            if (_tx[ports[i]].Count != 0) return true;
        return false;
    }

    public void Drain()
    {
        for (int port = 0; port < FrameMeta.MaxPorts; port++)
            if (_tx[port].Count != 0) Flush((ushort)port, &_tx[port]);
    }

    private void Flush(ushort port, TxBuffer* tx)
    {
        Send(port, tx->Queue, tx->Slots, tx->Count, tx->Bytes);
        tx->Count = 0;
        tx->Bytes = 0;
    }

    /// <summary>
    /// One <c>tx_burst</c>; what the queue refuses is freed in bulk and counted <c>tx_full</c>.
    /// Sent bytes are the burst's bytes less those of the refused packets, which are still ours
    /// to read (the sent ones may already be freed by the PMD).
    /// </summary>
    private void Send(ushort port, ushort queue, nint* packets, int count, long bytes)
    {
        int sent = _io.TxBurst(port, queue, packets, count);
        if (sent < count)
        {
            if (_countBytes)
                for (int i = sent; i < count; i++) bytes -= _io.PacketLength(packets[i]);
            _io.Free(packets + sent, count - sent);
            _counters.Drop(DropReason.TxFull, count - sent);
        }
        _counters.Tx(sent, bytes);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int port = 0; port < FrameMeta.MaxPorts; port++)
        {
            NativeMemory.AlignedFree(_tx[port].Slots);
        }
        NativeMemory.AlignedFree(_tx);
        NativeMemory.AlignedFree(_packets);
        NativeMemory.AlignedFree(_drops);
        NativeMemory.AlignedFree(_origin);
        NativeMemory.AlignedFree(_originPorts);
    }
}
