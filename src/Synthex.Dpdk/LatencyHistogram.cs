using System.Diagnostics;

namespace Synthex.Dpdk;

/// <summary>
/// A latency histogram with one writer (the worker or thread that owns it) and any number of
/// readers: fixed buckets on a 1-2-5 scale from 1 µs to 10 s and an overflow bucket, a count and a
/// sum. <see cref="Record"/> is a few compares and two stores: no allocation, no lock, no atomic
/// read-modify-write; readers load the counts when they collect, as the workers' other counters
/// are read (Telemetry.WorkerCounters). In the root namespace: the apps record into it and the
/// report and meter read it, and neither layer may use the other.
/// </summary>
/// <remarks>
/// Fixed buckets rather than HdrHistogram's: they are exactly what Prometheus' <c>_bucket{le=...}</c>
/// series carry, several writers' buckets add up, and the record path stays a loop over 22 longs.
/// The bounds are those an operator reads at a glance (1, 2, 5 × 10ⁿ seconds).
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>The buckets' upper bounds in seconds (inclusive: Prometheus' <c>le</c>); one more bucket above the last, +Inf.</summary>
    public static readonly double[] BoundsSeconds =
        [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1, 2, 5, 10];

    /// <summary>Bucket <paramref name="bucket"/>'s bound as Prometheus writes <c>le</c> (Go's shortest form: 1e-06, 0.001, 1); "+Inf" past the last.</summary>
    public static string Label(int bucket)
        => bucket < BoundsSeconds.Length ? BoundsSeconds[bucket].ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal) : "+Inf";

    /// <summary>The bounds in <see cref="Stopwatch"/> ticks, computed once.</summary>
    private static readonly long[] BoundTicks = BoundsSeconds.Select(s => (long)Math.Round(s * Stopwatch.Frequency)).ToArray();

    /// <summary>Buckets 0..N-1 bounded, N the overflow (the tail past it is padding: another object allocated next does not share the last counts' cache line).</summary>
    private readonly long[] _counts = new long[BoundsSeconds.Length + 1 + 8];
    private long _sumTicks;

    /// <summary>Records one duration in <see cref="Stopwatch"/> ticks (negative ones, from clocks read on two cores, count as 0). Only the owner calls this.</summary>
    public void Record(long ticks)
    {
        if (ticks < 0) ticks = 0;
        long[] bounds = BoundTicks;
        int i = 0;
        while (i < bounds.Length && ticks > bounds[i]) i++;
        Volatile.Write(ref _counts[i], _counts[i] + 1);
        Volatile.Write(ref _sumTicks, _sumTicks + ticks);
    }

    /// <summary>The counts now (per bucket, not cumulative), for readers.</summary>
    public HistogramSnapshot Read()
    {
        var counts = new long[BoundsSeconds.Length + 1];
        for (int i = 0; i < counts.Length; i++) counts[i] = Volatile.Read(ref _counts[i]);
        return new HistogramSnapshot(counts, Volatile.Read(ref _sumTicks) / (double)Stopwatch.Frequency);
    }

    /// <summary>Several writers' histograms added up (one per worker).</summary>
    public static HistogramSnapshot Sum(IEnumerable<LatencyHistogram> histograms)
    {
        var counts = new long[BoundsSeconds.Length + 1];
        double sum = 0;
        foreach (var h in histograms)
        {
            var s = h.Read();
            for (int i = 0; i < counts.Length; i++) counts[i] += s.Counts[i];
            sum += s.SumSeconds;
        }
        return new HistogramSnapshot(counts, sum);
    }
}

/// <summary>A histogram's counts per bucket (<see cref="LatencyHistogram.BoundsSeconds"/>, then +Inf) and the sum of what was recorded.</summary>
public sealed record HistogramSnapshot(long[] Counts, double SumSeconds)
{
    public long Count => Counts.Sum();

    /// <summary>Recorded values ≤ the bound of bucket <paramref name="bucket"/> (Prometheus' cumulative <c>_bucket</c>).</summary>
    public long Cumulative(int bucket)
    {
        long n = 0;
        for (int i = 0; i <= bucket; i++) n += Counts[i];
        return n;
    }

    /// <summary>The upper bound (seconds) of the bucket holding quantile <paramref name="q"/>; +Inf past the last bound, NaN when empty.</summary>
    public double QuantileBound(double q)
    {
        long total = Count;
        if (total == 0) return double.NaN;
        long rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            seen += Counts[i];
            if (seen >= rank) return i < LatencyHistogram.BoundsSeconds.Length ? LatencyHistogram.BoundsSeconds[i] : double.PositiveInfinity;
        }
        return double.PositiveInfinity;
    }
}
