using BenchmarkDotNet.Configs;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>
/// BDN settings shared by the suites: in-process (the shim is beside the executable; no
/// per-benchmark project generation), 100 ms iterations, 3 warm-ups and 10 measured, results grouped by
/// category so each kernel's ratio column is against its own reference.
/// </summary>
public sealed class KernelConfig : ManualConfig
{
    public KernelConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithIterationTime(TimeInterval.FromMilliseconds(100)).WithWarmupCount(3).WithIterationCount(10));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }

    /// <summary>The paths this CPU runs, for [ParamsSource].</summary>
    public static IEnumerable<SimdPath> Paths => SimdInfo.Available;
}
