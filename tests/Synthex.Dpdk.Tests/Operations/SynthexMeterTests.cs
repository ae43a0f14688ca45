using System.Diagnostics.Metrics;
using Synthex.Dpdk.Operations;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Tests.Operations;

/// <summary>
/// The <c>Synthex</c> meter read through a real <see cref="MeterListener"/> (what dotnet-counters
/// and OpenTelemetry use): values come from the workers' counters at collection time.
/// </summary>
public class SynthexMeterTests
{
    private static Dictionary<string, List<(long Value, Dictionary<string, object?> Tags)>> Collect(Meter meter)
    {
        var seen = new Dictionary<string, List<(long, Dictionary<string, object?>)>>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument); },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!seen.TryGetValue(instrument.Name, out var list)) seen[instrument.Name] = list = [];
            var t = new Dictionary<string, object?>();
            foreach (var tag in tags) t[tag.Key] = tag.Value;
            list.Add((value, t));
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    [Fact]
    public void Observable_instruments_read_the_workers_counters_when_collected()
    {
        var w0 = new WorkerCounters(0);
        var w1 = new WorkerCounters(1);
        var ports = new List<PortStats> { new(0, "net_null0", 11, 12, 13, 14, 1, 2, 3, 4) };
        var live = new LiveState("unit", "reflect", null, "socket", "test",
            () => StatsSnapshot.Capture([w0, w1], ports), () => [new("rounds_opened", 7)]);
        using var synthexMeter = new SynthexMeter(live);
        live.Started(StatsSnapshot.Capture([w0, w1], ports));

        w0.Rx(5, 500); w0.Tx(4, 400); w0.Drop(DropReason.TxFull);
        w1.Rx(3, 300); w1.Tx(3, 300);
        Thread.Sleep(LiveState.ReuseFor * 2); // past the shared capture's reuse window

        var m = Collect(synthexMeter.Meter);
        Assert.Equal(8, m["synthex.rx.packets"].Sum(x => x.Value));
        Assert.Equal(5, m["synthex.rx.packets"].Single(x => (string?)x.Tags["worker"] == "0").Value);
        Assert.Equal(800, m["synthex.rx.bytes"].Sum(x => x.Value));
        Assert.Equal(7, m["synthex.tx.packets"].Sum(x => x.Value));
        Assert.Equal(1, m["synthex.drops"].Single(x => (string?)x.Tags["reason"] == "tx_full").Value);
        Assert.Equal((int)DropReason.Count - 1, m["synthex.drops"].Count); // every reason, zero or not, so a dashboard can name it
        Assert.Equal(11, m["synthex.port.rx.packets"].Single(x => (string?)x.Tags["name"] == "net_null0").Value);
        Assert.Equal(7, m["synthex.service"].Single(x => (string?)x.Tags["counter"] == "rounds_opened").Value);

        // Later work shows in the next collection: nothing was copied at registration.
        w0.Rx(10, 1000);
        Thread.Sleep(LiveState.ReuseFor * 2);
        Assert.Equal(18, Collect(synthexMeter.Meter)["synthex.rx.packets"].Sum(x => x.Value));
    }

    [Fact]
    public void Before_the_workers_start_the_instruments_report_nothing()
    {
        var live = new LiveState("unit2", "reflect", null, "socket", "test",
            () => throw new InvalidOperationException("read before the workers started"), () => []);
        using var synthexMeter = new SynthexMeter(live);
        var m = Collect(synthexMeter.Meter);
        Assert.False(m.TryGetValue("synthex.rx.packets", out var rx) && rx.Count > 0);
        Assert.Equal("starting", live.Phase);
    }

    [Theory]
    [InlineData("9464", "127.0.0.1:9464")]
    [InlineData("0.0.0.0:9100", "0.0.0.0:9100")]
    [InlineData("[::1]:9464", "[::1]:9464")]
    public void Metrics_address_is_loopback_unless_one_is_given(string text, string expected)
    {
        Assert.True(PrometheusEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("host:80")]
    [InlineData("127.0.0.1")]
    public void Bad_metrics_addresses_are_refused(string text) => Assert.False(PrometheusEndpoint.TryParse(text, out _));
}
