using System.Diagnostics;
using System.Diagnostics.Metrics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Dpdk.Operations;
using Synthex.Dpdk.Telemetry;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Telemetry;

/// <summary>
/// The services' latency histograms: buckets (inclusive upper bounds, as Prometheus' <c>le</c>),
/// sums over writers, quantile bounds, no allocation when recording, the consensus round time as
/// the collector measures it, and the meter's <c>_bucket</c>/<c>_count</c>/<c>_sum</c> series.
/// </summary>
public class LatencyHistogramTests
{
    private static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);

    [Fact]
    public void A_value_lands_in_the_first_bucket_whose_bound_it_does_not_exceed()
    {
        var h = new LatencyHistogram();
        h.Record(Ticks(1e-6));        // exactly the first bound: le is inclusive
        h.Record(Ticks(1.5e-6));      // → 2 µs
        h.Record(Ticks(0.0007));      // → 1 ms
        h.Record(Ticks(30));          // past 10 s → +Inf
        h.Record(-5);                 // clocks of two cores: counted as 0
        var s = h.Read();
        var bounds = LatencyHistogram.BoundsSeconds;
        Assert.Equal(2, s.Counts[0]);
        Assert.Equal(1, s.Counts[Array.IndexOf(bounds, 2e-6)]);
        Assert.Equal(1, s.Counts[Array.IndexOf(bounds, 1e-3)]);
        Assert.Equal(1, s.Counts[bounds.Length]);
        Assert.Equal(5, s.Count);
        Assert.Equal(1e-6 + 1.5e-6 + 0.0007 + 30, s.SumSeconds, 9);
        Assert.Equal(4, s.Cumulative(Array.IndexOf(bounds, 10.0)));
    }

    [Fact]
    public void Writers_add_up_and_quantiles_name_their_bucket_bound()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (int i = 0; i < 98; i++) a.Record(Ticks(40e-6));   // → 50 µs
        b.Record(Ticks(3e-3));                                 // → 5 ms
        b.Record(Ticks(4e-3));
        var sum = LatencyHistogram.Sum([a, b]);
        Assert.Equal(100, sum.Count);
        Assert.Equal(5e-5, sum.QuantileBound(0.50));
        Assert.Equal(5e-5, sum.QuantileBound(0.98));
        Assert.Equal(5e-3, sum.QuantileBound(0.99));
        Assert.True(double.IsNaN(new LatencyHistogram().Read().QuantileBound(0.5)));
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        var h = new LatencyHistogram();
        for (int i = 0; i < 10_000; i++) h.Record(i * 997L);   // warm-up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000_000; i++) h.Record(i * 7919L);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1_010_000, h.Read().Count);
    }

    [Fact]
    public void A_consensus_round_is_timed_from_its_first_contribution_to_its_result()
    {
        var c = new ConsensusCollector(new ConsensusLimits(), 0x5EED0001, Stopwatch.Frequency);
        byte[] buffer = new byte[Wire.MaxDatagram];
        float[] values = [1f, 2f];
        var peer = new DatagramPeer(UdpEndpoint.V4(0x0A000001u, 40001), default, 0, 0, 0);
        long t0 = Ticks(100);
        for (int e = 0; e < 3; e++)
        {
            var h = Contribute.Header(7, 9, 1, (byte)e, 3, 2, 0, 2, 1f);
            int n = Contribute.Write(buffer, h, values);
            c.Handle(buffer, n, peer, t0 + e * Ticks(0.0015)); // the third, 3 ms after the first, completes it
        }
        var s = c.RoundTimes.Read();
        Assert.Equal(1, s.Count);
        Assert.Equal(1, s.Counts[Array.IndexOf(LatencyHistogram.BoundsSeconds, 5e-3)]);
        Assert.Equal(0.003, s.SumSeconds, 6);
    }

    [Fact]
    public void The_meter_exports_cumulative_buckets_a_count_and_a_sum_per_histogram()
    {
        var h = new LatencyHistogram();
        h.Record(Ticks(3e-6));
        h.Record(Ticks(3e-6));
        h.Record(Ticks(0.3));
        var live = new LiveState("hist", "consensus", null, "socket", "test",
            () => StatsSnapshot.Capture([], []), () => [], histograms: () => [new("round", h.Read())]);
        using var meter = new SynthexMeter(live);
        live.Started(StatsSnapshot.Capture([], []));

        var longs = new List<(string Name, long Value, Dictionary<string, object?> Tags)>();
        var doubles = new List<(string Name, double Value)>();
        using (var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (ReferenceEquals(instrument.Meter, meter.Meter)) l.EnableMeasurementEvents(instrument); },
        })
        {
            listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
            {
                var t = new Dictionary<string, object?>();
                foreach (var tag in tags) t[tag.Key] = tag.Value;
                longs.Add((i.Name, v, t));
            });
            listener.SetMeasurementEventCallback<double>((i, v, _, _) => doubles.Add((i.Name, v)));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        var buckets = longs.Where(m => m.Name == "synthex.service.latency.seconds.bucket").ToList();
        Assert.Equal(LatencyHistogram.BoundsSeconds.Length + 1, buckets.Count);
        Assert.All(buckets, b => Assert.Equal("round", b.Tags["histogram"]));
        long Le(string le) => buckets.Single(b => (string?)b.Tags["le"] == le).Value;
        Assert.Equal(0, Le("2e-06"));
        Assert.Equal(2, Le("5e-06"));
        Assert.Equal(2, Le("0.2"));
        Assert.Equal(3, Le("0.5"));
        Assert.Equal(3, Le("+Inf"));
        Assert.Equal(3, longs.Single(m => m.Name == "synthex.service.latency.seconds.count").Value);
        Assert.Equal(0.300006, doubles.Single(m => m.Name == "synthex.service.latency.seconds.sum").Value, 6);
    }
}
