namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// The run after its warm-up: the counters from the warm-up's end to the stop, and the rates over
/// that time. The first second of a run (tier-0 JIT code until tiered compilation replaces it,
/// cold caches, the peer starting) is slower than the rest: ~3% of a 4-second forward run's rate
/// (issue 3's closing note), and testpmd skips its first second too, so benchmarks compare
/// steady with steady. The whole-run totals stay the accounting truth; this is a rate view.
/// </summary>
public sealed record SteadyWindow(
    double WarmupSeconds, double Seconds, long RxPackets, long RxBytes, long TxPackets, long TxBytes, long Dropped)
{
    /// <summary>The warm-up the runtime skips (testpmd skips its first stats period, one second).</summary>
    public const double DefaultWarmupSeconds = 1.0;

    public double RxPacketsPerSecond => Seconds > 0 ? RxPackets / Seconds : 0;
    public double TxPacketsPerSecond => Seconds > 0 ? TxPackets / Seconds : 0;

    /// <summary>
    /// The window from <paramref name="atWarmupEnd"/> (taken <paramref name="warmupSeconds"/> into
    /// the run) to <paramref name="final"/> (taken <paramref name="elapsedSeconds"/> into it), or
    /// null when the run ended before its warm-up did (no snapshot, or no time after it).
    /// </summary>
    public static SteadyWindow? Between(StatsSnapshot? atWarmupEnd, double warmupSeconds, StatsSnapshot final, double elapsedSeconds)
    {
        if (atWarmupEnd is null || elapsedSeconds <= warmupSeconds) return null;
        return new SteadyWindow(warmupSeconds, elapsedSeconds - warmupSeconds,
            final.RxPackets - atWarmupEnd.RxPackets, final.RxBytes - atWarmupEnd.RxBytes,
            final.TxPackets - atWarmupEnd.TxPackets, final.TxBytes - atWarmupEnd.TxBytes,
            final.Dropped - atWarmupEnd.Dropped);
    }
}
