using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// The counters of one worker (an lcore on the DPDK path, a ring thread on the kernel path).
/// Written by that worker only, with plain stores; read by the stats thread with
/// <see cref="Volatile.Read(ref readonly long)"/>. On x64 an aligned 64-bit load or store is
/// atomic, so a reader never sees a torn value, and a single writer needs no lock or
/// interlocked instruction: the cost in the hot path is one <c>add</c> per counter per burst.
/// </summary>
/// <remarks>
/// The counters live in <see cref="Block"/>, a struct padded by a cache line on each side, so two
/// workers' counters never share a line (false sharing would cost every burst a cache miss).
/// </remarks>
public sealed class WorkerCounters
{
    /// <summary>Bursts are counted in buckets by size: 0, 1, 2–3, 4–7, 8–15, 16–31, 32–63, 64+.</summary>
    public const int BurstBuckets = 8;

    private Block _b;

    public WorkerCounters(int workerId) => WorkerId = workerId;

    /// <summary>The lcore id (DPDK) or worker index (OS backends).</summary>
    public int WorkerId { get; }

    /// <summary>
    /// Whether the worker counts bytes (set before it runs): false for forward io with
    /// <c>--count-bytes false</c>, whose loop reads no packet at all; its byte counters stay 0.
    /// </summary>
    public bool CountsBytes { get; set; } = true;

    // ---- writer side: the owning worker only ------------------------------------------------

    /// <summary>Counts one poll of an RX queue that returned <paramref name="packets"/> packets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Poll(int packets)
    {
        _b.Polls++;
        if (packets == 0) _b.EmptyPolls++;
        _b.Bursts[BucketOf(packets)]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Rx(long packets, long bytes)
    {
        // The first packet's time, for the report's start-up; a compare of a value the add loads
        // anyway, true once per run.
        if (_b.RxPackets == 0 && packets != 0) StampFirstRx();
        _b.RxPackets += packets;
        _b.RxBytes += bytes;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StampFirstRx() => Volatile.Write(ref _firstRxTimestamp, Stopwatch.GetTimestamp());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tx(long packets, long bytes) { _b.TxPackets += packets; _b.TxBytes += bytes; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(DropReason reason, long packets = 1) => _b.Drops[(int)reason] += packets;

    /// <summary>Received packets a service absorbed (kept in its state; freed, not dropped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Absorb(long packets = 1) => _b.Absorbed += packets;

    /// <summary>Packets a service originated and TX took: counted in tx too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Originated(long packets, long bytes)
    {
        _b.Originated += packets;
        _b.TxPackets += packets;
        _b.TxBytes += bytes;
    }

    /// <summary>
    /// Packets a service originated that did not leave (TX refused them, or no TX queue on the
    /// peer's port). Not in <see cref="Dropped"/>, which counts received packets only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OriginDrop(long packets) => _b.OriginDropped += packets;

    // ---- reader side: any thread ----------------------------------------------------------------

    public long RxPackets => Volatile.Read(ref _b.RxPackets);
    public long RxBytes => Volatile.Read(ref _b.RxBytes);
    public long TxPackets => Volatile.Read(ref _b.TxPackets);
    public long TxBytes => Volatile.Read(ref _b.TxBytes);
    public long Polls => Volatile.Read(ref _b.Polls);
    public long EmptyPolls => Volatile.Read(ref _b.EmptyPolls);
    public long Absorbed => Volatile.Read(ref _b.Absorbed);
    public long OriginatedPackets => Volatile.Read(ref _b.Originated);
    public long OriginDropped => Volatile.Read(ref _b.OriginDropped);

    /// <summary>Received packets answered in place: <c>tx - originated</c>.</summary>
    public long Replied => TxPackets - OriginatedPackets;

    public long Drops(DropReason reason) => Volatile.Read(ref _b.Drops[(int)reason]);

    /// <summary>Sum of drops over every reason.</summary>
    public long Dropped
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < (int)DropReason.Count; i++) sum += Volatile.Read(ref _b.Drops[i]);
            return sum;
        }
    }

    /// <summary>
    /// Bytes the worker's own thread allocated inside its poll loop
    /// (<see cref="GC.GetAllocatedBytesForCurrentThread"/> at exit minus at entry); written once
    /// by the worker when its loop ends, so the report can show the hot path allocated nothing.
    /// </summary>
    public long LoopAllocatedBytes
    {
        get => Volatile.Read(ref _loopAllocatedBytes);
        set => Volatile.Write(ref _loopAllocatedBytes, value);
    }

    private long _loopAllocatedBytes;

    /// <summary>The <see cref="Stopwatch"/> timestamp of the first received packet; 0 until one comes.</summary>
    public long FirstRxTimestamp => Volatile.Read(ref _firstRxTimestamp);

    private long _firstRxTimestamp;

    public long BurstsInBucket(int bucket) => Volatile.Read(ref _b.Bursts[bucket]);

    /// <summary>The bucket index for a burst of <paramref name="n"/> packets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(int n) => n == 0 ? 0 : Math.Min(BurstBuckets - 1, 32 - BitOperations.LeadingZeroCount((uint)n));

    /// <summary>The label of a bucket for reports ("0", "1", "2-3", ..., "64+").</summary>
    public static string BucketLabel(int bucket) => bucket switch
    {
        0 => "0",
        1 => "1",
        BurstBuckets - 1 => $"{1 << (bucket - 1)}+",
        _ => $"{1 << (bucket - 1)}-{(1 << bucket) - 1}",
    };

    [StructLayout(LayoutKind.Sequential)]
    private struct Block
    {
        private CacheLine _padBefore;
        public long RxPackets, RxBytes, TxPackets, TxBytes, Polls, EmptyPolls, Absorbed, Originated, OriginDropped;
        public DropArray Drops;
        public BurstArray Bursts;
        private CacheLine _padAfter;
    }

    [InlineArray((int)DropReason.Count)]
    private struct DropArray { private long _e; }

    [InlineArray(BurstBuckets)]
    private struct BurstArray { private long _e; }

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct CacheLine { private long _e; }
}
