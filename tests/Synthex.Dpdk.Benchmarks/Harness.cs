using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>One row of artifacts/bench/simd.json: a kernel on a path at a size, against its baseline, in the same run.</summary>
internal sealed record Result(
    [property: JsonPropertyName("kernel")] string Kernel,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("size_unit")] string SizeUnit,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("gbps")] double Gbps,
    [property: JsonPropertyName("baseline")] string Baseline,
    [property: JsonPropertyName("baseline_gbps")] double BaselineGbps,
    [property: JsonPropertyName("ratio")] double Ratio,
    [property: JsonPropertyName("ns_per_op")] double NsPerOp,
    [property: JsonPropertyName("baseline_ns_per_op")] double BaselineNsPerOp)
{
    [JsonPropertyName("gflops"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Gflops { get; init; }
    [JsonPropertyName("target"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }
    [JsonPropertyName("note"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }
}

/// <summary>
/// A small Stopwatch harness for the quick run: each measurement calibrates a batch to
/// <see cref="SampleMs"/>, then takes the fastest of <see cref="Samples"/> batches (the least
/// disturbed by the other tenants of a shared 2-core machine). A kernel and its baseline are
/// measured alternately, sample by sample, so that their ratio sees the same machine state.
/// </summary>
internal static class Harness
{
    // Short samples, many of them: on a 2-core VM shared with builds (load average up to 9 while
    // this was written) the chance that one short sample runs undisturbed is what makes the minimum
    // meaningful. 7 × 8 ms per side moved ratios ±25 % run to run; 21 × 3 ms about ±5 %, but a
    // burst of load still caught every sample of one case now and then; 41 × 2 ms has not.
    public static double SampleMs = 2;
    public static int Samples = 41;

    /// <summary>ns per operation of <paramref name="run"/>(iterations), best of the samples.</summary>
    public static (double A, double B) Pair(Func<long, long> a, Func<long, long> b)
    {
        long ia = Calibrate(a), ib = Calibrate(b);
        double bestA = double.MaxValue, bestB = double.MaxValue;
        for (int s = 0; s < Samples; s++)
        {
            bestA = Math.Min(bestA, Time(a, ia));
            bestB = Math.Min(bestB, Time(b, ib));
        }
        return (bestA, bestB);
    }

    public static double Single(Func<long, long> a)
    {
        long ia = Calibrate(a);
        double best = double.MaxValue;
        for (int s = 0; s < Samples; s++) best = Math.Min(best, Time(a, ia));
        return best;
    }

    private static long Calibrate(Func<long, long> run)
    {
        Sink(run(1));
        long iters = 1;
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            Sink(run(iters));
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (ms >= SampleMs / 4 || iters > (1L << 40)) return Math.Max(1, (long)(iters * SampleMs / Math.Max(ms, 1e-3)));
            iters *= 4;
        }
    }

    private static double Time(Func<long, long> run, long iters)
    {
        long t0 = Stopwatch.GetTimestamp();
        Sink(run(iters));
        return Stopwatch.GetElapsedTime(t0).TotalNanoseconds / iters;
    }

    private static long s_sink;
    [MethodImpl(MethodImplOptions.NoInlining)] public static void Sink(long v) => s_sink ^= v;

    public static void WriteJson(string path, object document)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }
}
