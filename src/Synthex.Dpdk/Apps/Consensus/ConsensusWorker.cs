using System.Buffers.Binary;
using System.Diagnostics;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// One worker's share of a <see cref="ConsensusRun"/>: its own collector (the (job, session)s it
/// owns) and its inbox (contributions other workers received for them). Driven by one thread;
/// only <see cref="Inbox"/>'s producer side is touched by others.
/// </summary>
public sealed class ConsensusWorker
{
    private bool _stopping;
    private long _now;
    // Datagrams that may still reuse _now before the clock is read again (see ReceiveClock).
    private int _clockReuses;

    /// <summary>Datagrams that share one clock read at most (a burst's worth).</summary>
    public const int DatagramsPerClockRead = 32;

    internal ConsensusWorker(ConsensusRun run, int index)
    {
        Run = run;
        Index = index;
        Collector = new ConsensusCollector(run.Limits, run.Epoch, run.TicksPerSecond, run.Auth);
        Inbox = new HandoffInbox(run.InboxCapacity, run.SlotSize);
    }

    internal ConsensusWorker Bind(int index)
    {
        Index = index;
        return this;
    }

    public ConsensusRun Run { get; }

    /// <summary>The managed thread that drives this worker through <see cref="ConsensusRun.Current"/> (0: registered explicitly).</summary>
    internal int ThreadId { get; set; }
    public int Index { get; private set; }
    public ConsensusCollector Collector { get; }
    public HandoffInbox Inbox { get; }

    /// <summary>Answers this worker owes: its collector's queue, and the inbox (each may produce one).</summary>
    public int PendingOriginations => Collector.PendingOriginations + Inbox.Count;

    /// <summary>
    /// A datagram received by this worker (<see cref="ConsensusCollector.Handle(Span{byte}, int, in DatagramPeer, long)"/>'s
    /// contract): a contribution for a (job, session) another worker owns is authenticated here,
    /// then copied into that worker's inbox and absorbed here, or answered BUSY when the inbox is
    /// full; anything else is handled here.
    /// </summary>
    public int Handle(Span<byte> buffer, int length, in DatagramPeer peer, long now)
    {
        _now = now;
        // Route on the raw header: only a contribution touches a (job, session)'s state; anything
        // else (not this protocol, an answer, another operation, too long to be valid) is refused or
        // dropped without state by whichever collector sees it.
        if (length < Wire.HeaderSize || length > Run.SlotSize
            || BinaryPrimitives.ReadUInt16LittleEndian(buffer) != Wire.Magic
            || buffer[3] != (byte)Operation.Contribute)
            return Collector.Handle(buffer, length, peer, now);
        uint job = BinaryPrimitives.ReadUInt32LittleEndian(buffer[12..]);
        ulong session = BinaryPrimitives.ReadUInt64LittleEndian(buffer[24..]);
        int owner = Run.OwnerOf(job, session, Index);
        if (owner == Index) return Collector.Handle(buffer, length, peer, now);

        // Verified here, before the hand-off (its MAC with this worker's own key schedules, its
        // replay window in the run's shared ServiceAuth): a forged, unsigned or replayed datagram
        // is dropped and counted here and never takes a slot of the owner's inbox, where it could
        // crowd out real contributions. The owner is told the verdict and does not verify again.
        int key = Collector.Screen(buffer[..length], out bool staleEpoch);
        if (key == ConsensusCollector.NotAuthentic) return ConsensusCollector.Dropped;
        if (staleEpoch) return Collector.AnswerStaleEpoch(buffer, length, key);   // opens nothing: answered here
        // What the codec drops or refuses holds no state: handled here, as the owner would.
        if (key == ConsensusCollector.Unchecked) return Collector.Handle(buffer, length, peer, now);

        ConsensusWorker to = Run.Worker(owner);
        if (to.Inbox.TryEnqueue(buffer[..length], peer, key))
        {
            Collector.Counters.CountHandedOff();
            return ConsensusCollector.Absorbed;
        }
        // Full: BUSY with a short retry-after (signed where the job has a key: it verified above).
        int n = Collector.AnswerStateless(buffer, length, Status.Busy, ConsensusRun.InboxBusyRetryAfterMs, now, key);
        if (n > 0 && buffer[5] == (byte)Status.Busy) Collector.Counters.CountHandoffBusy();
        return n;
    }

    /// <summary>
    /// <see cref="Handle(Span{byte}, int, in DatagramPeer, long)"/> at the worker's receive clock:
    /// the clock (<see cref="Stopwatch.GetTimestamp"/>, ~30 ns on this VM, as much as the
    /// arithmetic on 64 floats) is read at the first datagram after each <see cref="Poll"/> and
    /// reused for the next <see cref="DatagramsPerClockRead"/> − 1, so once per burst.
    /// </summary>
    /// <remarks>
    /// Every backend polls after each burst (and after an empty wait), so a datagram's "now" is
    /// never older than the start of its burst (microseconds) nor more than
    /// <see cref="DatagramsPerClockRead"/> datagrams old: a round's deadline and a job's last
    /// activity are that much earlier than with a read per datagram, far below the millisecond
    /// the timeout is given in. Not the poll's own timestamp: a blocking backend (sockets,
    /// io_uring, sleep idle mode) waits after its poll, so that one could be a whole wait old.
    /// </remarks>
    public int Handle(Span<byte> buffer, int length, in DatagramPeer peer) => Handle(buffer, length, peer, ReceiveClock());

    private long ReceiveClock()
    {
        if (--_clockReuses >= 0) return _now;
        _clockReuses = DatagramsPerClockRead - 1;
        return Stopwatch.GetTimestamp();   // Handle stores it in _now
    }

    /// <summary>The clock's work: rounds past their timeout close PARTIAL.</summary>
    public void Poll(long now)
    {
        _now = now;
        _clockReuses = 0;   // the next datagram (after the backend's wait, perhaps) reads the clock again
        Collector.Sweep(now);
    }

    /// <summary>At stop: open chunks answered ABORTED; what is handed off from now on is answered ABORTED too.</summary>
    public void Stop()
    {
        _stopping = true;
        Collector.Abort();
    }

    /// <summary>
    /// The next answer this worker sends (<see cref="ConsensusCollector.Originate"/>'s contract):
    /// first the inbox — each handed-off contribution handled as if received, its in-place answer
    /// sent to its recorded source — then the collector's queued answers.
    /// </summary>
    public int Originate(Span<byte> payload, out DatagramPeer to)
    {
        while (Inbox.TryPeek(out int slot))
        {
            Span<byte> room = Inbox.Room(slot);
            int length = Inbox.Length(slot);
            int key = Inbox.Key(slot);   // verified by the worker that received it (ConsensusCollector.Screen)
            int n = _stopping ? AbortedAnswer(room, length, key) : Collector.Handle(room, length, Inbox.Peer(slot), _now, key);
            Collector.Counters.CountHandoffServed();
            if (n > 0 && n <= payload.Length)
            {
                room[..n].CopyTo(payload);
                to = Inbox.Peer(slot);
                Inbox.Release();
                return n;
            }
            if (n >= 0) Collector.Counters.OriginationLost();   // an answer the pool's buffer cannot hold
            Inbox.Release();
        }
        return Collector.Originate(payload, out to);
    }

    /// <summary>After stop, a handed-off contribution opens nothing: ABORTED (or the codec's own refusal or drop).</summary>
    private int AbortedAnswer(Span<byte> room, int length, int key) => Collector.AnswerStateless(room, length, Status.Aborted, 0, _now, key);
}
