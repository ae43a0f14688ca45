namespace Synthex.Dpdk.Telemetry;

/// <summary>One port's counters; the <c>Extended</c> map holds xstats when asked for.</summary>
public sealed record PortStats(
    int Id, string Name,
    long RxPackets, long TxPackets, long RxBytes, long TxBytes,
    long RxMissed, long RxErrors, long TxErrors, long RxNoMbuf,
    IReadOnlyList<KeyValuePair<string, long>>? Extended = null);
