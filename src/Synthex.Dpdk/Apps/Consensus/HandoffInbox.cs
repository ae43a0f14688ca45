using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// A worker's inbox of contributions other workers received for (job, session)s it owns: a
/// bounded, lock-free, multi-producer single-consumer ring of preallocated datagram slots (the
/// sequence-number ring of Dmitry Vyukov's bounded MPMC queue, used here with one consumer;
/// DPDK's <c>rte_ring</c> in MP/SC mode is the same contract). Allocates only in its constructor.
/// </summary>
/// <remarks>
/// <para>Each slot carries a sequence number: <c>pos</c> when free for the producer that claims
/// position <c>pos</c>, <c>pos + 1</c> once that producer has copied the datagram in, and
/// <c>pos + capacity</c> after the consumer released it (free for the next lap). A producer
/// claims a position with one CAS on the tail, copies, then publishes with a release store of the
/// sequence; the consumer reads the sequence with an acquire load, so it never sees a half-copied
/// datagram. A full ring refuses (<see cref="TryEnqueue"/> false): the caller answers BUSY.</para>
/// <para>The consumer keeps the head slot until <see cref="Release"/>, so an answer can be written
/// in place over the request (as on the RX path) and read out before the slot is reused.</para>
/// </remarks>
public sealed class HandoffInbox
{
    private readonly long[] _sequence;
    private readonly int[] _length;
    private readonly int[] _key;
    private readonly DatagramPeer[] _peer;
    private readonly byte[] _data;
    private readonly int _mask;
    private Positions _positions;

    // Head and tail on their own cache lines: the producers hammer the tail, the consumer the head.
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)] public long Tail;
        [FieldOffset(128)] public long Head;
    }

    /// <param name="capacity">Slots, a power of two (2..65,536).</param>
    /// <param name="slotSize">Bytes a slot holds: the largest datagram it takes (and the room for the answer written over it).</param>
    public HandoffInbox(int capacity, int slotSize)
    {
        if (capacity < 2 || capacity > 1 << 16 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), "a power of two, 2..65536");
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        Capacity = capacity;
        SlotSize = slotSize;
        _mask = capacity - 1;
        _sequence = new long[capacity];
        for (int i = 0; i < capacity; i++) _sequence[i] = i;
        _length = new int[capacity];
        _key = new int[capacity];
        _peer = new DatagramPeer[capacity];
        _data = new byte[(long)capacity * slotSize];
    }

    public int Capacity { get; }
    public int SlotSize { get; }

    /// <summary>Bytes allocated for the slots (for the operator).</summary>
    public long FootprintBytes => (long)Capacity * SlotSize;

    /// <summary>
    /// Test hook: called at the points where another thread's step changes the outcome (after a
    /// position is claimed, before it is published). Null outside tests: one predictable branch.
    /// </summary>
    internal Action? Interleave { get; set; }

    /// <summary>Datagrams waiting (a snapshot: exact only when producers and consumer are quiet).</summary>
    public int Count
    {
        get
        {
            long n = Volatile.Read(ref _positions.Tail) - Volatile.Read(ref _positions.Head);
            return (int)Math.Clamp(n, 0, Capacity);
        }
    }

    /// <summary>
    /// Any thread: copies <paramref name="datagram"/> and its source into a free slot. False when
    /// the ring is full or the datagram is longer than <see cref="SlotSize"/> (nothing copied).
    /// </summary>
    /// <param name="key">What the receiving worker decided about its authentication, for the
    /// owner (<see cref="ConsensusCollector.Unchecked"/>: nothing, the owner checks it).</param>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram, in DatagramPeer from, int key = ConsensusCollector.Unchecked)
    {
        if (datagram.Length > SlotSize) return false;
        long pos = Volatile.Read(ref _positions.Tail);
        int index;
        while (true)
        {
            index = (int)(pos & _mask);
            long seq = Volatile.Read(ref _sequence[index]);
            long dif = seq - pos;
            if (dif == 0)
            {
                long seen = Interlocked.CompareExchange(ref _positions.Tail, pos + 1, pos);
                if (seen == pos) break;
                pos = seen;
            }
            else if (dif < 0)
            {
                return false;   // the slot a lap behind is not released yet: full
            }
            else
            {
                pos = Volatile.Read(ref _positions.Tail);   // another producer took it
            }
        }
        Interleave?.Invoke();
        datagram.CopyTo(_data.AsSpan(index * SlotSize, SlotSize));
        _length[index] = datagram.Length;
        _key[index] = key;
        _peer[index] = from;
        Interleave?.Invoke();
        Volatile.Write(ref _sequence[index], pos + 1);   // publish: the consumer may read it now
        return true;
    }

    /// <summary>Consumer only: the head slot when a datagram is published there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPeek(out int slot)
    {
        long head = _positions.Head;
        slot = (int)(head & _mask);
        return Volatile.Read(ref _sequence[slot]) == head + 1;
    }

    /// <summary>Consumer only: the whole room of <paramref name="slot"/> (the datagram is its first <see cref="Length"/> bytes).</summary>
    public Span<byte> Room(int slot) => _data.AsSpan(slot * SlotSize, SlotSize);

    /// <summary>Consumer only: the datagram's length in <paramref name="slot"/>.</summary>
    public int Length(int slot) => _length[slot];

    /// <summary>Consumer only: the receiving worker's authentication of the datagram in <paramref name="slot"/> (<see cref="TryEnqueue"/>'s <c>key</c>).</summary>
    public int Key(int slot) => _key[slot];

    /// <summary>Consumer only: where the datagram in <paramref name="slot"/> came from.</summary>
    public ref readonly DatagramPeer Peer(int slot) => ref _peer[slot];

    /// <summary>Consumer only: frees the head slot (after <see cref="TryPeek"/> returned it) for the producers' next lap.</summary>
    public void Release()
    {
        long head = _positions.Head;
        Volatile.Write(ref _sequence[(int)(head & _mask)], head + Capacity);
        Volatile.Write(ref _positions.Head, head + 1);
    }
}
