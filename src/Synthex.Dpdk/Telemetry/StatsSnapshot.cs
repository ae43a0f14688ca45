using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Telemetry;

/// <summary>One worker's counters at one instant.</summary>
public sealed record WorkerSnapshot(
    int Id, long RxPackets, long RxBytes, long TxPackets, long TxBytes,
    long Polls, long EmptyPolls, long Dropped, long[] Drops, long[] Bursts, long AllocatedBytes,
    long Absorbed = 0, long Originated = 0, long OriginDropped = 0);

/// <summary>
/// Every worker's counters and every port's stats, read without locks at one instant (each
/// 64-bit value is read whole; values of different counters may be a few packets apart while
/// workers run, and are exact once they are stopped).
/// </summary>
public sealed class StatsSnapshot
{
    public required long Timestamp { get; init; }
    public required IReadOnlyList<WorkerSnapshot> Workers { get; init; }
    public required IReadOnlyList<PortStats> Ports { get; init; }

    public long RxPackets { get; private init; }
    public long RxBytes { get; private init; }
    public long TxPackets { get; private init; }
    public long TxBytes { get; private init; }
    public long Dropped { get; private init; }

    /// <summary>
    /// Whether every worker counts bytes: false under <c>--count-bytes false</c> (forward io),
    /// where <see cref="RxBytes"/> and <see cref="TxBytes"/> are 0 and only the ports' own
    /// counters know bytes.
    /// </summary>
    public bool BytesCounted { get; private init; } = true;

    /// <summary>Received packets a service kept in its state (freed, not dropped).</summary>
    public long Absorbed { get; private init; }

    /// <summary>Packets a service originated that were sent (part of <see cref="TxPackets"/>).</summary>
    public long Originated { get; private init; }

    /// <summary>Packets a service originated that TX did not take (not received packets: apart from <see cref="Dropped"/>).</summary>
    public long OriginDropped { get; private init; }

    /// <summary>Received packets answered (replies, forwards): <c>tx - originated</c>.</summary>
    public long Replied => TxPackets - Originated;

    /// <summary>
    /// The accounting identity: <c>rx = replied + absorbed + dropped</c> (with
    /// <c>tx = replied + originated</c> by definition of <see cref="Replied"/>). For frame apps
    /// absorbed and originated are 0 and it is <c>rx = tx + dropped</c>.
    /// </summary>
    public bool Accounted => RxPackets == Replied + Absorbed + Dropped && Replied >= 0;

    /// <summary>Drops by <see cref="DropReason"/> (index), summed over workers.</summary>
    public long[] Drops { get; private init; } = [];

    /// <summary>Reads the counters (the stats thread's side of <see cref="WorkerCounters"/>).</summary>
    public static StatsSnapshot Capture(IReadOnlyList<WorkerCounters> counters, IReadOnlyList<PortStats> ports)
    {
        var workers = new WorkerSnapshot[counters.Count];
        var drops = new long[(int)DropReason.Count];
        long rxp = 0, rxb = 0, txp = 0, txb = 0, dropped = 0, absorbed = 0, originated = 0, originDropped = 0;
        bool bytesCounted = true;
        for (int w = 0; w < counters.Count; w++)
        {
            var c = counters[w];
            bytesCounted &= c.CountsBytes;
            var d = new long[(int)DropReason.Count];
            long sum = 0;
            for (int r = 1; r < d.Length; r++) { d[r] = c.Drops((DropReason)r); sum += d[r]; drops[r] += d[r]; }
            var b = new long[WorkerCounters.BurstBuckets];
            for (int i = 0; i < b.Length; i++) b[i] = c.BurstsInBucket(i);
            workers[w] = new WorkerSnapshot(c.WorkerId, c.RxPackets, c.RxBytes, c.TxPackets, c.TxBytes,
                c.Polls, c.EmptyPolls, sum, d, b, c.LoopAllocatedBytes, c.Absorbed, c.OriginatedPackets, c.OriginDropped);
            absorbed += c.Absorbed;
            originated += c.OriginatedPackets;
            originDropped += c.OriginDropped;
            rxp += workers[w].RxPackets; rxb += workers[w].RxBytes;
            txp += workers[w].TxPackets; txb += workers[w].TxBytes;
            dropped += sum;
        }
        return new StatsSnapshot
        {
            Timestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
            Workers = workers, Ports = ports,
            RxPackets = rxp, RxBytes = rxb, TxPackets = txp, TxBytes = txb, Dropped = dropped, Drops = drops,
            Absorbed = absorbed, Originated = originated, OriginDropped = originDropped,
            BytesCounted = bytesCounted,
        };
    }
}
