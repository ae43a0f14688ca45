using Synthex.Load.Scenarios;
using Synthex.Load.Tests.Support;

namespace Synthex.Load.Tests;

/// <summary>
/// The open-loop sender against in-process peers: it keeps the asked rate (a functional check of
/// the schedule with a generous tolerance, not a speed test), and its latency is measured from
/// each request's intended send time, so a server stall shows in the percentiles.
/// </summary>
public class OpenLoopTests
{
    private static LoadOptions Options(TestPeer peer, RateSchedule schedule, double seconds) => new()
    {
        Target = peer.EndPoint,
        Scenario = new ReflectScenarioDescriptor(),
        Schedule = schedule,
        DurationSeconds = seconds,
        MaxErrorRate = 1,
        IntervalSeconds = 0.5,
    };

    [Theory]
    [InlineData(IoKind.Mmsg)]
    [InlineData(IoKind.Socket)]
    public void The_sender_loops_allocate_nothing_over_thousands_of_verified_answers(IoKind io)
    {
        // Open and closed loop through each transport, after a warm-up (first-use
        // initialisation in the runtime and libraries happens there): the loops' own allocated
        // bytes from then on, taken by each sender thread itself, stay zero.
        using var peer = TestPeer.StallingEcho(after: TimeSpan.FromDays(1), TimeSpan.Zero);
        var open = LoadRunner.Run(Options(peer, RateSchedule.Constant(10000, 2), 2) with { Io = io, WarmupSeconds = 0.3, Threads = 2 }, live: null);
        var closed = LoadRunner.Run(new LoadOptions
        {
            Target = peer.EndPoint, Scenario = new ReflectScenarioDescriptor(), Concurrency = 32, DurationSeconds = 2, Io = io,
            WarmupSeconds = 0.3,
        }, live: null);
        foreach (var result in new[] { open, closed })
        {
            string report = Reports.TextReport.Table(result);
            // Thousands of turns of each loop; how many depends on the machine's load, not asserted.
            Assert.True(result.Answered > 1000, report);
            Assert.True(result.Mismatches == 0, report);
            Assert.True(result.SenderAllocatedBytes == 0, report);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Keeps_the_asked_rate_against_a_sink(int threads)
    {
        using var sink = TestPeer.Sink();
        const double rate = 2000, seconds = 2;
        var result = LoadRunner.Run(Options(sink, RateSchedule.Constant(rate, seconds), seconds) with
        {
            Threads = threads, TimeoutSeconds = 0.2, WarmupSeconds = 0.5,
        }, live: null);

        // The schedule sends exactly rate x seconds, late requests catching up, never ahead:
        // 10% covers a loaded machine's last few milliseconds and the sink's own lag.
        Assert.InRange(result.Sent, rate * seconds * 0.9, rate * seconds * 1.1);
        Assert.InRange(result.WarmupSent, rate * 0.5 * 0.9, rate * 0.5 * 1.1);
        SpinWait.SpinUntil(() => sink.Received >= result.Sent + result.WarmupSent, 10_000);
        Assert.Equal(result.Sent + result.WarmupSent, sink.Received);
        // A sink answers nothing: every measured request timed out, and that is all of them.
        Assert.Equal(0, result.Answered);
        Assert.Equal(result.Sent, result.Timeouts);
        Assert.True(result.Accounted);
        Assert.True(result.OpenLoop);
    }

    [Fact]
    public void A_ramp_sends_the_area_under_it()
    {
        using var sink = TestPeer.Sink();
        var result = LoadRunner.Run(Options(sink, RateSchedule.Ramp(500, 2500, 2), 2) with { TimeoutSeconds = 0.2 }, live: null);
        // Integral of a linear ramp: (500 + 2500) / 2 x 2 s = 3000 requests.
        Assert.InRange(result.Sent, 2700, 3300);
        // 1000 requests in the first second, 2000 in the second. A sender held up by a busy
        // machine catches up late, which only moves requests later: 1.5x holds either way.
        long first = result.Timeline.Where(p => p.Seconds <= 1.01).Sum(p => p.Sent);
        long second = result.Timeline.Where(p => p.Seconds > 1.01).Sum(p => p.Sent);
        Assert.True(second > first * 1.5, string.Join("; ", result.Timeline));
    }

    [Fact]
    public void Coordinated_omission_a_stalled_server_shows_in_the_corrected_histogram_only()
    {
        // One request in flight (like a connection-bound client), 500 requests/s, and a server
        // that stops for 1 s once. The stalled request is one sample of ~2000 for latency from
        // the actual send time; from the intended time, every request that should have gone
        // during the stall waited too: ~500 samples of up to 1 s, above the 99th percentile.
        // (A stall this long keeps the two apart even when a loaded machine adds its own
        // tens of milliseconds to every round trip.)
        var stall = TimeSpan.FromSeconds(1);
        using var peer = TestPeer.StallingEcho(after: TimeSpan.FromSeconds(1), stall);
        var result = LoadRunner.Run(Options(peer, RateSchedule.Constant(500, 4), 4) with
        {
            MaxOutstanding = 1, TimeoutSeconds = 3,
        }, live: null);

        Assert.Equal(0, result.Mismatches);
        Assert.Equal(0, result.Timeouts);
        Assert.True(result.Answered > 1000, $"answered {result.Answered}");
        double stallUs = stall.TotalMicroseconds;
        // Both saw the one stalled request...
        Assert.True(result.LatencyUncorrected.Max >= stallUs * 0.95, $"uncorrected max {result.LatencyUncorrected.Max} µs");
        Assert.True(result.Latency.Max >= stallUs * 0.95, $"corrected max {result.Latency.Max} µs");
        // ...but only the corrected percentiles show what the schedule's users would have felt.
        Assert.True(result.Latency.P99 >= stallUs * 0.5, $"corrected p99 {result.Latency.P99} µs");
        Assert.True(result.LatencyUncorrected.P99 < stallUs * 0.5, $"uncorrected p99 {result.LatencyUncorrected.P99} µs");
    }

    [Fact]
    public void Closed_loop_answers_everything_and_accounts_for_every_request()
    {
        using var peer = TestPeer.StallingEcho(after: TimeSpan.FromDays(1), TimeSpan.Zero);
        var result = LoadRunner.Run(new LoadOptions
        {
            Target = peer.EndPoint, Scenario = new ReflectScenarioDescriptor(), Concurrency = 4, Threads = 2,
            DurationSeconds = 1, ScenarioOptions = new Dictionary<string, string> { ["size"] = "200" },
            PinCpus = [0],
        }, live: null);
        Assert.Empty(result.Notes); // pinned, and no socket call failed
        Assert.True(result.Answered > 100, $"answered {result.Answered}");
        Assert.Equal(0, result.Mismatches);
        Assert.Equal(0, result.Timeouts);
        Assert.Equal(0, result.Unexpected);
        Assert.True(result.Accounted);
        Assert.True(result.Passed);
    }
}
