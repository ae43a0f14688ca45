using System.Runtime.InteropServices;
using BenchmarkDotNet.Running;
using Synthex.Dpdk.Benchmarks;
using Synthex.Dpdk.Kernels;

// Two modes:
//   quick [--json FILE] [--only KERNEL]   the Stopwatch harness behind scripts/bench-simd.sh --quick
//   similarity MATRIX QUERIES K BATCHES [cosine|dot]   scripts/bench-similarity.sh (vs FAISS)
//   consensus [--floats 64,256,1024] [--targets 1,4]   scripts/bench-consensus.sh (vs reflect)
//   consensus-handoff [FLOATS,...]         the consensus hand-off to the owning worker vs direct (ConsensusHandoffBench)
//   cache-study [ACCESSES] [UNIVERSE]      scripts/bench-cache.sh (ResultCache vs LRU, static top-C, Belady)
//   cache-trace FILE CAPACITY              the same policies over a trace recorded by scripts/similarity-load.py
//   anything else                          BenchmarkDotNet over the suites (scripts/bench-simd.sh full)
if (args.Length > 0 && args[0] == "similarity") return SimilarityBench.Run(args);
if (args.Length > 0 && args[0] == "consensus") return ConsensusBench.Run(args);
if (args.Length > 0 && args[0] == "consensus-handoff") return ConsensusHandoffBench.Run(args);
if (args.Length > 0 && args[0] == "cache-study") return CacheStudy.Run(args);
if (args.Length > 0 && args[0] == "cache-trace") return CacheStudy.Replay(args);
if (args.Length > 0 && args[0] == "quick")
{
    string json = "artifacts/bench/simd.json";
    string? only = null;
    for (int i = 1; i < args.Length; i++)
    {
        if (args[i] == "--json" && i + 1 < args.Length) json = args[++i];
        else if (args[i] == "--only" && i + 1 < args.Length) only = args[++i];
        else if (args[i] == "--sample-ms" && i + 1 < args.Length) Harness.SampleMs = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    }
    Console.WriteLine($"CPU: {Peak.CpuModel()}, {Environment.ProcessorCount} cores; .NET {Environment.Version}; SIMD {SimdInfo.Describe()}");
    var started = DateTime.UtcNow;
    QuickSuite.Run(only);
    var results = QuickSuite.Results;
    var targets = Target.Evaluate(results);
    Console.WriteLine();
    Console.WriteLine("Targets (ratios measured side by side in this run):");
    foreach (var t in targets) Console.WriteLine($"  {(t.Met ? "MET " : "MISS")}  {t.Name,-58} worst {t.Worst,6:F2}  ({t.Where})");
    Harness.WriteJson(json, new
    {
        generated_utc = started.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        command = "scripts/bench-simd.sh --quick",
        machine = new
        {
            cpu = Peak.CpuModel(),
            cores = Environment.ProcessorCount,
            os = RuntimeInformation.OSDescription,
            dotnet = Environment.Version.ToString(),
            simd_selected = SimdInfo.Name(SimdInfo.Selected),
            simd_available = SimdInfo.Available.Select(SimdInfo.Name).ToArray(),
            clock_ghz = Math.Round(QuickSuite.ClockGhz, 3),
            fma_peak_gflops_per_core = Math.Round(QuickSuite.PeakGflops, 1),
            fma_peak_derivation = QuickSuite.PeakDerivation,
            fma_measured_gflops_per_core = Math.Round(QuickSuite.MeasuredFmaGflops, 1),
        },
        harness = $"Stopwatch, best of {Harness.Samples} samples of {Harness.SampleMs} ms, kernel and baseline alternating",
        targets,
        results,
    });
    Console.WriteLine($"wrote {json} ({results.Count} entries) in {(DateTime.UtcNow - started).TotalSeconds:F0} s");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(QuickSuite).Assembly).Run(args);
return 0;
