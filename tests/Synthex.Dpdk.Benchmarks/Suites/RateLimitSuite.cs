using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.RateLimit;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>
/// The cost per datagram of <c>--rate-limit</c>'s check (<see cref="SourceRateLimiter.Allow(in UdpEndpoint)"/>)
/// at a rate no source reaches (every datagram allowed: the check plus one CAS, the common case),
/// for one source (its cache line hot), for as many sources as the table holds (65,536: a cache
/// miss per datagram), and for 16× more (the table overflowing: evictions), against reading the
/// clock alone (the check reads it once per datagram). 1,024 datagrams per operation.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class RateLimitSuite
{
    private const int PerOperation = 1024;
    [Params(1, 65_536, 1_048_576)] public int Sources;

    private SourceRateLimiter _limiter = null!;
    private UdpEndpoint[] _sources = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _limiter = new SourceRateLimiter(new RateLimitSpec(RateLimitSpec.MaxRate, 1_000_000));
        // A random order, so the hardware prefetcher does not hide the table's cache misses.
        _sources = Enumerable.Range(0, Sources).Select(i => UdpEndpoint.V6(new UInt128(0xfd00_0000_0000_0000, (ulong)i * 2654435761UL), 40000))
                             .OrderBy(_ => Random.Shared.Next()).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PerOperation)]
    public long Clock()
    {
        long sum = 0;
        for (int i = 0; i < PerOperation; i++) sum += Stopwatch.GetTimestamp();
        return sum;
    }

    [Benchmark(OperationsPerInvoke = PerOperation)]
    public int Allow()
    {
        int allowed = 0, next = _next;
        var sources = _sources;
        for (int i = 0; i < PerOperation; i++)
        {
            if (_limiter.Allow(in sources[next])) allowed++;
            if (++next == sources.Length) next = 0;
        }
        _next = next;
        return allowed;
    }
}
