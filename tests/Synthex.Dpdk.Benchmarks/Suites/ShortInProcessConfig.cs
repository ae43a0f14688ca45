using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>
/// ShortRun in process, with the memory diagnoser: for the service suites (rate limit, service
/// authentication), whose BenchmarkDotNet-generated project timed out building (2 min) on the
/// loaded shared VM.
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
