using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Synthex.Dpdk.Apps.RateLimit;

/// <summary>
/// Per-source-address rate limits (<c>--rate-limit RATE[/BURST]</c>): a token bucket per source
/// in a fixed, lock-free table shared by every worker. A source may send BURST datagrams at once
/// and RATE per second after that; what is over is refused (the caller drops it as
/// <c>rate_limited</c>).
/// </summary>
/// <remarks>
/// <para><b>The bucket</b> is kept as one timestamp, the GCRA form of a token bucket (ATM's
/// generic cell rate algorithm): the "theoretical arrival time" <c>tat</c>, when the bucket will
/// be full again. A datagram at <c>now</c> is allowed when <c>tat − now ≤ (BURST − 1) × T</c>
/// (T = 1/RATE), and then <c>tat = max(tat, now) + T</c>. A bucket with <c>tat ≤ now</c> is full:
/// it says nothing a new source's bucket would not, so its slot is free to reuse.</para>
/// <para><b>The table</b>: <see cref="Slots"/> 64-bit words (default 65,536 = 512 KiB),
/// allocated once. A word is a 16-bit tag of the source (never 0) and the 48 low bits of
/// <c>tat</c> in nanoseconds since the limiter started (wraps every 78 hours: a distance past the
/// largest a live bucket can have, BURST × T, reads as an idle bucket). Sources hash (a keyed mix
/// of the address, the key drawn per process, so an attacker cannot aim many addresses at one
/// bucket) to a bucket of 8 slots, one 64-byte cache line. A datagram reads the line, updates its
/// source's slot with one compare-and-swap, and retries only when another worker changed that
/// word meanwhile (lock-free: someone progressed).</para>
/// <para><b>Aging and eviction</b>: a new source takes, in its bucket, the first slot that is
/// empty or full (idle); when all 8 hold sources still over their rate, it takes the one whose
/// debt ends soonest (smallest <c>tat</c>) — that source is forgiven the rest of its debt,
/// counted in <see cref="Evictions"/>. So the table never grows, and under a flood of more
/// sources than it holds the limit errs toward letting a little more through, never toward
/// refusing a source that is within its rate. Two sources with the same bucket and tag (1 in
/// 2^16 per pair in a bucket) share a bucket; two workers racing to add the same new source may
/// give it two slots for a moment (the first found wins; the other ages out).</para>
/// <para>No allocation, lock or exception per datagram (the tests prove it).</para>
/// </remarks>
public sealed class SourceRateLimiter
{
    /// <summary>Slots per bucket: one 64-byte cache line of 8-byte words.</summary>
    public const int BucketSlots = 8;

    /// <summary>The table's default size: 65,536 sources in debt at once, 512 KiB.</summary>
    public const int DefaultSlots = 1 << 16;

    private const int TimeBits = 48;
    private const ulong TimeMask = (1UL << TimeBits) - 1;

    private readonly ulong[] _slots;
    private readonly int _bucketMask;
    private readonly long _interval;   // T, ns per datagram
    private readonly long _tolerance;  // (BURST − 1) × T, ns
    private readonly long _horizon;    // BURST × T: no live bucket's tat is further ahead than this
    private readonly long _start;
    private readonly ulong _key0, _key1;
    private readonly double _nsPerTick = 1e9 / Stopwatch.Frequency;
    private long _evictions;

    public SourceRateLimiter(RateLimitSpec spec, int slots = DefaultSlots)
    {
        if (!BitOperations.IsPow2(slots) || slots < BucketSlots)
            throw new ArgumentOutOfRangeException(nameof(slots), slots, $"a power of two ≥ {BucketSlots}");
        Spec = spec;
        _slots = GC.AllocateArray<ulong>(slots + BucketSlots, pinned: true); // + a line, to align the buckets
        _bucketMask = slots / BucketSlots - 1;
        _interval = Math.Max(1, (long)Math.Round(1e9 / spec.Rate));
        _tolerance = _interval * (spec.Burst - 1);
        _horizon = _interval * spec.Burst;
        _start = Stopwatch.GetTimestamp();
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _key0 = BitConverter.ToUInt64(key) | 1;
        _key1 = BitConverter.ToUInt64(key[8..]);
        _lineOffset = AlignOffset(_slots);
    }

    private readonly int _lineOffset;

    public RateLimitSpec Spec { get; }

    /// <summary>Slots in the table (sources in debt it can hold at once).</summary>
    public int Slots => (_bucketMask + 1) * BucketSlots;

    /// <summary>Sources whose remaining debt was forgiven to make room for a new source (the table was full in their bucket).</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Slots holding a source still over its rate now (a scan: for tests and the report).</summary>
    public int SourcesInDebt()
    {
        long now = Now();
        int n = 0;
        for (int i = 0; i < Slots; i++)
        {
            ulong w = Volatile.Read(ref _slots[_lineOffset + i]);
            if (w != 0 && Ahead(w, now) > 0) n++;
        }
        return n;
    }

    /// <summary>Whether a datagram from <paramref name="source"/> is within its rate now; if so, it is counted against it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allow(in UdpEndpoint source) => Allow(source.Address, source.IsIpv6, Now());

    /// <summary><see cref="Allow(in UdpEndpoint)"/> at <paramref name="now"/> (ns since the limiter started; tests drive the clock).</summary>
    public bool Allow(UInt128 address, bool ipv6, long now)
    {
        ulong h = Hash(address, ipv6);
        ulong tag = (h >> TimeBits) == 0 ? 1UL << TimeBits : h & ~TimeMask; // top 16 bits, never 0
        ref ulong bucket = ref _slots[_lineOffset + (int)((uint)h & (uint)_bucketMask) * BucketSlots];
        while (true)
        {
            int victim = -1;
            long victimAhead = long.MaxValue;
            for (int i = 0; i < BucketSlots; i++)
            {
                ref ulong slot = ref Unsafe.Add(ref bucket, i);
                ulong word = Volatile.Read(ref slot);
                long ahead = word == 0 ? long.MinValue : Ahead(word, now);
                if ((word & ~TimeMask) == tag)
                {
                    if (ahead > _tolerance) return false;                 // over its rate: refused, nothing written
                    long tat = (ahead <= 0 ? now : now + ahead) + _interval;
                    if (Interlocked.CompareExchange(ref slot, tag | ((ulong)tat & TimeMask), word) == word) return true;
                    goto retry;                                           // another worker moved this source: read again
                }
                // A candidate for a new source: empty or idle first, else the debt that ends soonest.
                if (ahead < victimAhead) { victim = i; victimAhead = ahead; }
            }
            {
                ref ulong slot = ref Unsafe.Add(ref bucket, victim);
                ulong word = Volatile.Read(ref slot);
                long ahead = word == 0 ? long.MinValue : Ahead(word, now);
                if ((word & ~TimeMask) == tag || ahead > victimAhead) continue; // changed under us: look again
                if (Interlocked.CompareExchange(ref slot, tag | ((ulong)(now + _interval) & TimeMask), word) == word)
                {
                    if (ahead > 0) Interlocked.Increment(ref _evictions);
                    return true; // a new source's bucket is full: BURST ≥ 1 allows its first datagram
                }
            }
        retry:;
        }
    }

    /// <summary>Nanoseconds since the limiter started.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Now() => (long)((Stopwatch.GetTimestamp() - _start) * _nsPerTick);

    /// <summary>How far the slot's tat is ahead of <paramref name="now"/> (≤ 0: full, idle); a distance past the horizon is a wrapped, idle one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Ahead(ulong word, long now)
    {
        long d = (long)(((word & TimeMask) - (ulong)now) << (64 - TimeBits)) >> (64 - TimeBits); // signed 48-bit difference
        return d > _horizon ? long.MinValue + 1 : d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Hash(UInt128 address, bool ipv6)
    {
        // A keyed multiply-xorshift over both halves: not a cryptographic MAC, but the key is secret
        // and per process, so the bucket of an address cannot be chosen from outside.
        ulong x = ((ulong)address ^ _key0) * 0x9E3779B97F4A7C15UL;
        x ^= (ulong)(address >> 64) + _key1 + (ipv6 ? 0x632BE59BD9B4E019UL : 0);
        x *= 0xD6E8FEB86659FD93UL;
        x ^= x >> 32;
        x *= 0xD6E8FEB86659FD93UL;
        return x ^ (x >> 29);
    }

    /// <summary>The index of the first element on a 64-byte boundary (the array is pinned, so it stays).</summary>
    private static unsafe int AlignOffset(ulong[] array)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref array[0]);
        return (int)(((64 - (address & 63)) & 63) / sizeof(ulong));
    }
}
