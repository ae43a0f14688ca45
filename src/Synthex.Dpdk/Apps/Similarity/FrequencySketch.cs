using System.Numerics;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// TinyLFU's popularity estimate: a count-min sketch of 4-bit counters (depth 4), packed 16 to a
/// <see cref="ulong"/>, aged by halving every counter once <see cref="SampleSize"/> increments have
/// been recorded — so what was popular long ago fades. Written after Caffeine's
/// <c>FrequencySketch.java</c> (ben-manes/caffeine, 2.x layout): a key's four counters sit in
/// four table words picked by four seeded hashes, at nibble offsets chosen by two bits of the key.
/// </summary>
/// <remarks>
/// <para>Single writer (the similarity compute thread); not safe for concurrent use. A counter
/// saturates at 15; an estimate is the minimum of the key's four counters, so, before any halving,
/// it is never below the key's true count (capped at 15) — collisions only add.</para>
/// <para>Memory: four words per cache entry rounded up to a power of two (32 bytes per entry), allocated
/// once; <see cref="Increment"/> and <see cref="Frequency"/> allocate nothing.</para>
/// </remarks>
public sealed class FrequencySketch
{
    private const ulong ResetMask = 0x7777_7777_7777_7777UL;
    private const ulong OneMask = 0x1111_1111_1111_1111UL;
    private static readonly ulong[] Seeds = [0xc3a5c85c97cb3127UL, 0xb492b66fbe98f273UL, 0x9ae16a3b2f90404fUL, 0xcbf29ce484222325UL];

    private readonly ulong[] _table;
    private readonly int _mask;
    private int _size;

    /// <param name="capacity">Entries of the cache it serves; the table has 4 words per entry (a power of two, at least 32).</param>
    public FrequencySketch(int capacity)
    {
        // Caffeine uses 1 word per entry and ages after 10 increments per entry. Measured on the
        // Zipf traces of scripts/bench-cache.sh (docs/BENCHMARKS.md), 4 words and 40 increments
        // per entry gain 0.5 to 1.9 hit-ratio points (Zipf 0.8, 1% cache: 31.2% → 32.4%): fewer
        // collisions, and a sample long enough to rank keys near the admission boundary, which a
        // flat popularity sees only a few times per sample. 8 words gained < 0.1 point; 80 or 160
        // increments lost some back (the 4-bit counters saturate, aging comes too rarely).
        int words = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, capacity) * 4);
        _table = new ulong[words];
        _mask = words - 1;
        SampleSize = 40 * Math.Max(8, capacity);
    }

    /// <summary>Bytes of the counter table.</summary>
    public long MemoryBytes => _table.Length * 8L;

    /// <summary>Increments recorded between two halvings.</summary>
    public int SampleSize { get; }

    /// <summary>Increments since the last halving (less what the halving took away).</summary>
    public int Size => _size;

    /// <summary>Halvings so far.</summary>
    public long Resets { get; private set; }

    /// <summary>The estimated count of <paramref name="hash"/>'s key, 0..15.</summary>
    public int Frequency(ulong hash)
    {
        ulong h = Spread(hash);
        int start = (int)(h & 3) << 2;
        int min = 15;
        for (int i = 0; i < 4; i++)
        {
            int count = (int)((_table[IndexOf(h, i)] >> ((start + i) << 2)) & 0xF);
            if (count < min) min = count;
        }
        return min;
    }

    /// <summary>Records one occurrence of <paramref name="hash"/>'s key; halves every counter when the sample is full.</summary>
    public void Increment(ulong hash)
    {
        ulong h = Spread(hash);
        int start = (int)(h & 3) << 2;
        bool added = false;
        for (int i = 0; i < 4; i++) added |= IncrementAt(IndexOf(h, i), start + i);
        if (added && ++_size == SampleSize) Reset();
    }

    private bool IncrementAt(int index, int counter)
    {
        int offset = counter << 2;
        ulong mask = 0xFUL << offset;
        if ((_table[index] & mask) == mask) return false; // saturated at 15
        _table[index] += 1UL << offset;
        return true;
    }

    /// <summary>Halves every counter (aging). The size drops by half, less the odd counts lost to rounding.</summary>
    internal void Reset()
    {
        int odd = 0;
        for (int i = 0; i < _table.Length; i++)
        {
            odd += BitOperations.PopCount(_table[i] & OneMask);
            _table[i] = (_table[i] >> 1) & ResetMask;
        }
        _size = (_size - (odd >> 2)) >> 1;
        Resets++;
    }

    private int IndexOf(ulong h, int i)
    {
        ulong x = (h + Seeds[i]) * Seeds[i];
        x += x >> 32;
        return (int)x & _mask;
    }

    /// <summary>splitmix64's finaliser: the caller's hash may be weak in its low bits (a test forces it to 0).</summary>
    private static ulong Spread(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
