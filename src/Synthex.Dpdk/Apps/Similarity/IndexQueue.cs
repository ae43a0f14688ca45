using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// A bounded lock-free multi-producer multi-consumer queue of ints (slot indices), Vyukov's
/// bounded MPMC design, in the role DPDK's <c>rte_ring</c> plays between lcores. Used on every
/// backend, DPDK included: the similarity compute thread is a .NET thread, not an EAL lcore, and
/// one queue keeps the hand-off the same everywhere (rte_ring would need the shim for each
/// enqueue, a native call per datagram). Each cell has a
/// sequence number that says whether it is free for the producer of that turn or full for its
/// consumer, so producers and consumers claim cells with one CAS on their own counter.
/// No allocation after construction, no lock; a full queue refuses (<see cref="TryEnqueue"/>
/// false) rather than waiting.
/// </summary>
public sealed class IndexQueue
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Cell
    {
        public long Sequence;
        public int Value;
    }

    // Producer and consumer counters on their own cache lines: they are written by different threads.
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Counters
    {
        [FieldOffset(64)] public long Enqueue;
        [FieldOffset(128)] public long Dequeue;
    }

    private readonly Cell[] _cells;
    private readonly long _mask;
    private Counters _c;

    /// <param name="capacity">A power of two ≥ 2.</param>
    public IndexQueue(int capacity)
    {
        if (capacity < 2 || !int.IsPow2(capacity)) throw new ArgumentOutOfRangeException(nameof(capacity), "a power of two ≥ 2");
        _cells = new Cell[capacity];
        for (int i = 0; i < capacity; i++) _cells[i].Sequence = i;
        _mask = capacity - 1;
    }

    public int Capacity => _cells.Length;

    /// <summary>Approximate count (exact when no other thread is at work).</summary>
    public int Count => (int)Math.Max(0, Volatile.Read(ref _c.Enqueue) - Volatile.Read(ref _c.Dequeue));

    public bool TryEnqueue(int value)
    {
        long pos = Volatile.Read(ref _c.Enqueue);
        while (true)
        {
            ref Cell cell = ref _cells[pos & _mask];
            long seq = Volatile.Read(ref cell.Sequence);
            long dif = seq - pos;
            if (dif == 0)
            {
                long seen = Interlocked.CompareExchange(ref _c.Enqueue, pos + 1, pos);
                if (seen == pos)
                {
                    cell.Value = value;
                    Volatile.Write(ref cell.Sequence, pos + 1);
                    return true;
                }
                pos = seen;
            }
            else if (dif < 0) return false; // full
            else pos = Volatile.Read(ref _c.Enqueue);
        }
    }

    public bool TryDequeue(out int value)
    {
        long pos = Volatile.Read(ref _c.Dequeue);
        while (true)
        {
            ref Cell cell = ref _cells[pos & _mask];
            long seq = Volatile.Read(ref cell.Sequence);
            long dif = seq - (pos + 1);
            if (dif == 0)
            {
                long seen = Interlocked.CompareExchange(ref _c.Dequeue, pos + 1, pos);
                if (seen == pos)
                {
                    value = cell.Value;
                    Volatile.Write(ref cell.Sequence, pos + _mask + 1);
                    return true;
                }
                pos = seen;
            }
            else if (dif < 0) { value = 0; return false; } // empty
            else pos = Volatile.Read(ref _c.Dequeue);
        }
    }
}
