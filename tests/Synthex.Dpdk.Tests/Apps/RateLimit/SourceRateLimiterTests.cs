using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.RateLimit;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Tests.Apps.RateLimit;

/// <summary>
/// The per-source token buckets of <c>--rate-limit</c> on their own, with the clock driven by the
/// test (nanoseconds since the limiter started): the rate and burst, sources apart, the table
/// bounded under many sources, no lost update between two threads, no allocation.
/// </summary>
public class SourceRateLimiterTests
{
    private const long Ms = 1_000_000;
    private static readonly UInt128 A = 0x0A010001, B = 0x0A010002;

    [Theory]
    [InlineData("1000", 1000, 1000)]
    [InlineData("10/3", 10, 3)]
    [InlineData("0.5", 0.5, 1)]
    [InlineData("2.5/1", 2.5, 1)]
    public void The_option_reads_rate_and_burst(string text, double rate, int burst)
    {
        Assert.True(RateLimitSpec.TryParse(text, out var spec, out _));
        Assert.Equal(new RateLimitSpec(rate, burst), spec);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("NaN")]
    [InlineData("10/0")]
    [InlineData("10/x")]
    [InlineData("10/3/1")]
    [InlineData("1/1000000")] // BURST/RATE of 11 days: past what the table's clock holds
    [InlineData("2000000000")]
    public void A_bad_value_is_refused_naming_the_key(string text)
    {
        var problems = RunSettingsValidator.Problems(new RunSettings { App = "reflect", RateLimit = text }).ToList();
        var problem = Assert.Single(problems);
        Assert.Equal("rate-limit", problem.Key);
        Assert.Contains(text, problem.Message);
    }

    [Fact]
    public void A_frame_app_is_refused_a_rate_limit_and_a_service_is_wrapped()
    {
        var problem = Assert.Single(RunSettingsValidator.Problems(new RunSettings { App = "forward", RateLimit = "100" }));
        Assert.Equal("rate-limit", problem.Key);
        Assert.Empty(RunSettingsValidator.Problems(new RunSettings { App = "reflect", RateLimit = "100/10" }));

        var wrapped = Assert.IsType<RateLimitedApp>(RunHost.OpenApp(new RunSettings { App = "reflect", RateLimit = "100/10" }, TextWriter.Null));
        Assert.Equal(new RateLimitSpec(100, 10), wrapped.Limiter.Spec);
        Assert.Equal("reflect", wrapped.Name);
        Assert.Contains(wrapped.ServiceCounters(), kv => kv.Key == "rate_limit.evictions");
        Assert.IsNotType<RateLimitedApp>(RunHost.OpenApp(new RunSettings { App = "reflect" }, TextWriter.Null));
    }

    [Fact]
    public void A_source_gets_its_burst_then_its_rate_and_another_source_is_unaffected()
    {
        var limiter = new SourceRateLimiter(new RateLimitSpec(10, 3), slots: 64); // 10/s: one per 100 ms, 3 at once
        long t = 5 * Ms;
        for (int i = 0; i < 3; i++) Assert.True(limiter.Allow(A, false, t), $"burst datagram {i}");
        Assert.False(limiter.Allow(A, false, t));
        Assert.False(limiter.Allow(A, false, t + 99 * Ms));
        Assert.True(limiter.Allow(A, false, t + 100 * Ms));   // one more after T
        Assert.False(limiter.Allow(A, false, t + 100 * Ms));
        for (int i = 0; i < 3; i++) Assert.True(limiter.Allow(B, false, t + 100 * Ms), $"B's burst {i}");
        Assert.False(limiter.Allow(B, false, t + 100 * Ms));
        // The same 32 bits as an IPv6 address are another source.
        Assert.True(limiter.Allow(A, true, t + 100 * Ms));
        // Idle long enough, the bucket is full again: a whole burst.
        long later = t + 10_000 * Ms;
        for (int i = 0; i < 3; i++) Assert.True(limiter.Allow(A, false, later));
        Assert.False(limiter.Allow(A, false, later));
        Assert.Equal(0, limiter.Evictions);
    }

    [Fact]
    public void Over_a_long_run_a_flooding_source_gets_its_rate_and_no_more()
    {
        var limiter = new SourceRateLimiter(new RateLimitSpec(1000, 10), slots: 64);
        int allowed = 0;
        // 10 s of a source sending every 10 µs (100,000/s): 10 at once, then 1000/s.
        for (long t = 0; t < 10_000 * Ms; t += Ms / 100)
            if (limiter.Allow(A, false, t)) allowed++;
        Assert.InRange(allowed, 10_000, 10_010);
    }

    [Fact]
    public void The_table_stays_bounded_under_a_hundred_thousand_sources_and_allocates_nothing()
    {
        var limiter = new SourceRateLimiter(new RateLimitSpec(1, 2), slots: SourceRateLimiter.DefaultSlots);
        long t = 1000 * Ms;
        limiter.Allow(A, false, t); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        int allowed = 0;
        for (uint i = 0; i < 100_000; i++)
            if (limiter.Allow(new UInt128(0xfd00_0000_0000_0000, i), true, t)) allowed++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(100_000, allowed);                    // every new source's first datagram is within its burst
        int inDebt = limiter.SourcesInDebt();
        Assert.InRange(inDebt, SourceRateLimiter.DefaultSlots * 9 / 10, SourceRateLimiter.DefaultSlots); // the table is full, never more
        Assert.True(limiter.Evictions >= 100_000 - SourceRateLimiter.DefaultSlots, $"{limiter.Evictions} evictions");
        // A source still in the table is still limited: the last ones added are the newest.
        var last = new UInt128(0xfd00_0000_0000_0000, 99_999);
        Assert.True(limiter.Allow(last, true, t));        // its burst is 2
        Assert.False(limiter.Allow(last, true, t));
    }

    [Fact]
    public void Two_threads_on_one_source_lose_no_update()
    {
        // The clock does not move: exactly BURST datagrams are allowed however the threads interleave.
        const int burst = 50_000;
        var limiter = new SourceRateLimiter(new RateLimitSpec(1, burst), slots: 64);
        int allowed = 0;
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            int mine = 0;
            for (int i = 0; i < burst; i++) if (limiter.Allow(A, false, 7 * Ms)) mine++;
            Interlocked.Add(ref allowed, mine);
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.Equal(burst, allowed);
    }
}
