using System.Numerics;
using Synthex.Dpdk.Kernels;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// The similarity service's predictive result cache: a QUERY's answer (its matches) keyed by the
/// query's bytes, k, metric and matrix version — the whole key stored and COMPARED IN FULL on every
/// lookup; the hash only picks where to look. Admission by W-TinyLFU (after Caffeine's
/// <c>BoundedLocalCache</c>): a 1% LRU window in front of a segmented LRU main region (80%
/// protected, 20% probation); when full, the window's oldest entry replaces the probation's oldest
/// only if the <see cref="FrequencySketch"/> estimates it more popular.
/// </summary>
/// <remarks>
/// <para><b>One writer, many readers, no lock.</b> The compute thread alone calls <see cref="Put"/>
/// and <see cref="Maintain"/>; any number of I/O workers call <see cref="TryGet"/> at once. Each
/// entry carries a sequence number (a seqlock): the writer makes it odd, rewrites the entry, makes
/// it even; a reader reads it, compares the key and copies the matches, then reads it again — a
/// change means the entry moved under it and the lookup is a miss, never a torn or foreign answer.
/// The index is an open-addressing table (linear probing, backward-shift deletion) of entry numbers
/// the writer alone changes; a reader that races a shift may miss an entry, which costs a
/// recomputation, not a wrong answer.</para>
/// <para><b>Hits teach the policy through a lossy ring.</b> A reader may not touch the LRU lists or
/// the sketch (single writer), so a hit drops (entry, sequence) into a bounded ring; the writer
/// replays it on its next <see cref="Maintain"/> (a hit on a probation entry promotes it, as in
/// Caffeine's read buffer). When readers outrun the writer, records are overwritten and lost:
/// the policy learns from a sample, the answers stay exact.</para>
/// <para><b>Bounded, allocated once.</b> <c>capacity</c> entries, each with room for the largest
/// query and the largest answer; nothing is allocated after construction (a test checks).
/// Entries of an older matrix version never match a newer key and age out through the policy.</para>
/// </remarks>
public sealed class ResultCache
{
    private enum Region : byte { Free, Window, Probation, Protected }

    // Entries (index e): the key, the answer and the seqlock.
    private readonly byte[] _queries;     // e × _queryBytes
    private readonly int[] _queryLength;
    private readonly Match[] _matches;    // e × _matchesMax
    private readonly int[] _matchCount;
    private readonly int[] _k;            // 0 marks a free entry
    private readonly byte[] _metric;
    private readonly ulong[] _version;
    private readonly ulong[] _hash;
    private readonly int[] _seq;          // even: stable; odd: being written
    private readonly int _queryBytes, _matchesMax;

    // Index: entry number + 1 (0 = empty), at least twice the capacity so probes stay short.
    private readonly int[] _table;
    private readonly int _tableMask;

    // Policy (writer only): intrusive doubly linked lists over entry numbers, heads are most recent.
    private readonly int[] _prev, _next;
    private readonly Region[] _region;
    private readonly int[] _head = new int[4], _tail = new int[4], _count = new int[4];
    private readonly int _windowCapacity, _protectedCapacity;
    private readonly int[] _freeList;
    private int _freeCount;

    // Hit records: (sequence << 32) | (entry + 1); readers claim a position with one atomic add.
    private const int ReadRingSize = 4096;
    private readonly long[] _reads = new long[ReadRingSize];
    private int _readTail;
    private int _readHead;

    private readonly FrequencySketch _sketch;

    /// <param name="capacity">Entries at most (≥ 1).</param>
    /// <param name="queryBytes">The largest query, in bytes (a QUERY's payload: D × 4).</param>
    /// <param name="matchesMax">The largest answer, in matches (min(k-max, N)).</param>
    public ResultCache(int capacity, int queryBytes, int matchesMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queryBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(matchesMax);
        (Capacity, _queryBytes, _matchesMax) = (capacity, queryBytes, matchesMax);
        _queries = new byte[(long)capacity * queryBytes];
        _queryLength = new int[capacity];
        _matches = new Match[(long)capacity * matchesMax];
        _matchCount = new int[capacity];
        _k = new int[capacity];
        _metric = new byte[capacity];
        _version = new ulong[capacity];
        _hash = new ulong[capacity];
        _seq = new int[capacity];
        int tableSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * capacity));
        _table = new int[tableSize];
        _tableMask = tableSize - 1;
        _prev = new int[capacity];
        _next = new int[capacity];
        _region = new Region[capacity];
        _head.AsSpan().Fill(-1);
        _tail.AsSpan().Fill(-1);
        // Caffeine's static split (before its hill climber): 1% window, main 80% protected / 20% probation.
        // Measured (scripts/bench-cache.sh): a 0.2% or 5% window moves Zipf hit ratios by < 0.3 points.
        _windowCapacity = Math.Max(1, capacity / 100);
        _protectedCapacity = (int)((capacity - _windowCapacity) * 0.8);
        _freeList = new int[capacity];
        for (int i = 0; i < capacity; i++) _freeList[i] = capacity - 1 - i;
        _freeCount = capacity;
        _sketch = new FrequencySketch(capacity);
    }

    /// <summary>Entries at most.</summary>
    public int Capacity { get; }

    /// <summary>Bytes held for entries, index, policy and sketch (all allocated at construction).</summary>
    public long MemoryBytes =>
        _queries.LongLength + (long)_matches.Length * Wire.MatchSize + (long)Capacity * (4 * 6 + 1 + 1 + 8 * 2 + 4)
        + _table.Length * 4L + ReadRingSize * 8L + _sketch.MemoryBytes;

    /// <summary>Entries held now (writer's view).</summary>
    public int Count => Capacity - _freeCount;

    /// <summary>Window candidates admitted to the main region (by winning the frequency contest, or into free room).</summary>
    public long Admissions { get; private set; }
    /// <summary>Window candidates refused because they were not more popular than the main region's victim.</summary>
    public long Rejections { get; private set; }
    /// <summary>Entries removed to make room (refused candidates included).</summary>
    public long Evictions { get; private set; }
    /// <summary>Answers stored.</summary>
    public long Inserts { get; private set; }
    /// <summary>Hit records replayed into the policy, and those overwritten before the writer got to them.</summary>
    public long ReadsReplayed { get; private set; }
    public long ReadsLost { get; private set; }

    /// <summary>Test hook: ANDed into every key's hash, so a test can force different keys into one slot (0: all collide).</summary>
    internal ulong HashMask { get; set; } = ulong.MaxValue;

    /// <summary>The policy's frequency sketch (tests).</summary>
    internal FrequencySketch Sketch => _sketch;

    /// <summary>The hash that picks a key's slot: CRC32C of the query's bytes, mixed with k, metric and version.</summary>
    public ulong HashOf(ReadOnlySpan<byte> query, int k, SimilarityMetric metric, ulong version)
    {
        uint crc = Crc32C.Hash(query, (uint)k * 0x9E37_79B1u ^ (uint)metric);
        ulong x = (((ulong)crc << 32) | (uint)k) ^ (version * 0x9E37_79B9_7F4A_7C15UL) ^ ((ulong)metric << 60);
        x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdUL;
        x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53UL;
        return (x ^ (x >> 33)) & HashMask;
    }

    /// <summary>True when enough hits wait in the ring that the writer should replay them soon.</summary>
    public bool MaintenanceWanted => Volatile.Read(ref _readTail) - Volatile.Read(ref _readHead) >= ReadRingSize / 2;

    /// <summary>
    /// Any thread: the stored answer for exactly this key, copied into <paramref name="into"/>;
    /// returns the number of matches, or -1 (a miss). Allocates nothing and takes no lock.
    /// </summary>
    public int TryGet(ulong hash, ReadOnlySpan<byte> query, int k, SimilarityMetric metric, ulong version, Span<Match> into)
    {
        int[] table = _table;
        for (int probe = 0, i = (int)hash & _tableMask; probe < table.Length; probe++, i = (i + 1) & _tableMask)
        {
            int e = Volatile.Read(ref table[i]) - 1;
            if (e < 0) return -1;
            int seq = Volatile.Read(ref _seq[e]); // acquire: the reads below see the entry as of this number
            if ((seq & 1) != 0 || _hash[e] != hash || _k[e] != k || _metric[e] != (byte)metric || _version[e] != version)
                continue;
            int length = _queryLength[e], n = _matchCount[e];
            if (length != query.Length || (uint)n > (uint)into.Length || (uint)n > (uint)_matchesMax)
                continue;
            if (!query.SequenceEqual(_queries.AsSpan(e * _queryBytes, length)))
                continue;
            _matches.AsSpan(e * _matchesMax, n).CopyTo(into);
            Interlocked.MemoryBarrier(); // the key and matches were read before the number is read again
            if (Volatile.Read(ref _seq[e]) != seq)
                return -1; // rewritten while we read: a miss, never a torn answer
            int slot = Interlocked.Increment(ref _readTail) & (ReadRingSize - 1);
            Volatile.Write(ref _reads[slot], ((long)seq << 32) | (uint)(e + 1));
            return n;
        }
        return -1;
    }

    /// <summary>
    /// The writer: stores the answer for this key (the compute thread, after scoring a miss). A key
    /// already held is only recorded as an access. Replays pending hits first.
    /// </summary>
    public void Put(ulong hash, ReadOnlySpan<byte> query, int k, SimilarityMetric metric, ulong version, ReadOnlySpan<Match> matches)
    {
        if (query.Length > _queryBytes || matches.Length > _matchesMax || k < 1)
            return; // larger than the entries were sized for (never, from the service): not cached
        Maintain();
        _sketch.Increment(hash);
        int found = Find(hash, query, k, metric, version);
        if (found >= 0) { OnAccess(found); return; }

        if (_freeCount == 0) EvictOne();
        int e = _freeList[--_freeCount];
        Interlocked.Increment(ref _seq[e]); // odd (a full fence: the writes below are not seen before it)
        query.CopyTo(_queries.AsSpan(e * _queryBytes, query.Length));
        _queryLength[e] = query.Length;
        matches.CopyTo(_matches.AsSpan(e * _matchesMax, matches.Length));
        _matchCount[e] = matches.Length;
        _k[e] = k;
        _metric[e] = (byte)metric;
        _version[e] = version;
        _hash[e] = hash;
        Volatile.Write(ref _seq[e], _seq[e] + 1); // even: published
        TableInsert(hash, e);
        PushHead(Region.Window, e);
        Inserts++;
        if (_count[(int)Region.Window] > _windowCapacity)
        {
            // Room in the main region (the cache is filling): the window's oldest moves in unopposed.
            int oldest = _tail[(int)Region.Window];
            Unlink(oldest);
            PushHead(Region.Probation, oldest);
            Admissions++;
        }
    }

    /// <summary>The writer: replays the hits readers recorded (sketch increments, LRU moves, promotions).</summary>
    public void Maintain()
    {
        int tail = Volatile.Read(ref _readTail);
        int head = _readHead;
        if (tail - head > ReadRingSize)
        {
            ReadsLost += tail - head - ReadRingSize;
            head = tail - ReadRingSize;
        }
        for (; head != tail; head++)
        {
            long record = Interlocked.Exchange(ref _reads[(head + 1) & (ReadRingSize - 1)], 0);
            if (record == 0) { ReadsLost++; continue; } // claimed but not written yet, or overwritten and taken
            int e = (int)(uint)record - 1, seq = (int)(record >> 32);
            if ((uint)e >= (uint)Capacity || _seq[e] != seq || _region[e] == Region.Free) continue; // evicted since
            _sketch.Increment(_hash[e]);
            OnAccess(e);
            ReadsReplayed++;
        }
        Volatile.Write(ref _readHead, head);
    }

    /// <summary>Writer-side lookup (no seqlock needed: nothing else writes).</summary>
    private int Find(ulong hash, ReadOnlySpan<byte> query, int k, SimilarityMetric metric, ulong version)
    {
        for (int i = (int)hash & _tableMask; ; i = (i + 1) & _tableMask)
        {
            int e = _table[i] - 1;
            if (e < 0) return -1;
            if (_hash[e] == hash && _k[e] == k && _metric[e] == (byte)metric && _version[e] == version
                && query.SequenceEqual(_queries.AsSpan(e * _queryBytes, _queryLength[e])))
                return e;
        }
    }

    private void OnAccess(int e)
    {
        switch (_region[e])
        {
            case Region.Window:
            case Region.Protected:
                Region r = _region[e];
                Unlink(e);
                PushHead(r, e);
                break;
            case Region.Probation:
                // A second touch in the main region: protected. Overflow goes back to probation.
                Unlink(e);
                PushHead(Region.Protected, e);
                if (_count[(int)Region.Protected] > _protectedCapacity)
                {
                    int demoted = _tail[(int)Region.Protected];
                    Unlink(demoted);
                    PushHead(Region.Probation, demoted);
                }
                break;
        }
    }

    /// <summary>Frees one entry. With a full window, its oldest (the candidate) contests the main region's victim.</summary>
    private void EvictOne()
    {
        int victim = _tail[(int)Region.Probation];
        if (victim < 0) victim = _tail[(int)Region.Protected];
        if (_count[(int)Region.Window] >= _windowCapacity && _tail[(int)Region.Window] is var candidate and >= 0)
        {
            if (victim >= 0 && _sketch.Frequency(_hash[candidate]) > _sketch.Frequency(_hash[victim]))
            {
                Remove(victim);
                Unlink(candidate);
                PushHead(Region.Probation, candidate);
                Admissions++;
            }
            else
            {
                Remove(candidate);
                Rejections++;
            }
        }
        else
        {
            Remove(victim >= 0 ? victim : _tail[(int)Region.Window]);
        }
        Evictions++;
    }

    private void Remove(int e)
    {
        TableRemove(_hash[e], e);
        Unlink(e);
        Interlocked.Increment(ref _seq[e]);
        _k[e] = 0;
        Volatile.Write(ref _seq[e], _seq[e] + 1); // a reader holding this entry number sees the change: a miss
        _freeList[_freeCount++] = e;
    }

    private void PushHead(Region r, int e)
    {
        int ri = (int)r;
        _region[e] = r;
        _prev[e] = -1;
        _next[e] = _head[ri];
        if (_head[ri] >= 0) _prev[_head[ri]] = e; else _tail[ri] = e;
        _head[ri] = e;
        _count[ri]++;
    }

    private void Unlink(int e)
    {
        int ri = (int)_region[e];
        int p = _prev[e], n = _next[e];
        if (p >= 0) _next[p] = n; else _head[ri] = n;
        if (n >= 0) _prev[n] = p; else _tail[ri] = p;
        _count[ri]--;
        _region[e] = Region.Free;
    }

    private void TableInsert(ulong hash, int e)
    {
        int i = (int)hash & _tableMask;
        while (_table[i] != 0) i = (i + 1) & _tableMask;
        Volatile.Write(ref _table[i], e + 1); // after the entry's release: a reader finding it sees it whole
    }

    /// <summary>Backward-shift deletion (Knuth's algorithm R): later members of the probe run move up; no tombstones.</summary>
    private void TableRemove(ulong hash, int e)
    {
        int i = (int)hash & _tableMask;
        while (_table[i] != e + 1) i = (i + 1) & _tableMask;
        int j = i;
        while (true)
        {
            j = (j + 1) & _tableMask;
            int other = _table[j];
            if (other == 0) break;
            int home = (int)_hash[other - 1] & _tableMask;
            // Move it up unless its home lies cyclically in (i, j].
            bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (stays) continue;
            Volatile.Write(ref _table[i], other);
            i = j;
        }
        Volatile.Write(ref _table[i], 0);
    }
}
