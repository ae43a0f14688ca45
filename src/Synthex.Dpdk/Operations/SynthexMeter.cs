using System.Diagnostics.Metrics;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// The <c>Synthex</c> meter (System.Diagnostics.Metrics): observable instruments only, each read
/// from the existing lock-free counters when a listener collects (OpenTelemetry's Prometheus
/// exporter on a scrape, <c>dotnet-counters</c> on its refresh interval). Nothing is recorded by the
/// workers, so the hot path pays nothing for it, listened to or not.
/// </summary>
/// <remarks>
/// Names follow OpenTelemetry's conventions (dotted, unit apart); the Prometheus exporter turns
/// <c>synthex.rx.packets</c> with unit <c>{packet}</c> into <c>synthex_rx_packets_total</c> and unit
/// <c>By</c> into a <c>_bytes</c> suffix. Totals over workers equal the end-of-run report's
/// <c>totals</c> once traffic stops (both read the same counters).
/// </remarks>
public sealed class SynthexMeter : IDisposable
{
    /// <summary>The meter's name: what <c>dotnet-counters monitor --counters Synthex</c> and OpenTelemetry's <c>AddMeter</c> name.</summary>
    public const string MeterName = "Synthex";

    private readonly LiveState _state;
    private readonly Meter _meter;
    private readonly Lock _busyGate = new();
    private long[] _busyPolls = [], _busyEmpty = [];

    public SynthexMeter(LiveState state)
    {
        _state = state;
        _meter = new Meter(MeterName, typeof(SynthexMeter).Assembly.GetName().Version?.ToString());
        _meter.CreateObservableCounter("synthex.rx.packets", () => PerWorker(w => w.RxPackets), "{packet}", "Packets received, per worker");
        _meter.CreateObservableCounter("synthex.rx.bytes", () => PerWorker(w => w.RxBytes), "By", "Bytes received, per worker");
        _meter.CreateObservableCounter("synthex.tx.packets", () => PerWorker(w => w.TxPackets), "{packet}", "Packets sent (replies, forwards and originated), per worker");
        _meter.CreateObservableCounter("synthex.tx.bytes", () => PerWorker(w => w.TxBytes), "By", "Bytes sent, per worker");
        _meter.CreateObservableCounter("synthex.drops", Drops, "{packet}", "Received packets dropped, by reason (summed over workers)");
        _meter.CreateObservableCounter("synthex.absorbed", () => PerWorker(w => w.Absorbed), "{packet}", "Received packets a service kept in its state");
        _meter.CreateObservableCounter("synthex.originated", () => PerWorker(w => w.Originated), "{packet}", "Packets a service originated that were sent");
        _meter.CreateObservableCounter("synthex.origin_dropped", () => PerWorker(w => w.OriginDropped), "{packet}", "Packets a service originated that TX did not take");
        _meter.CreateObservableCounter("synthex.worker.polls", () => PerWorker(w => w.Polls), "{poll}", "RX polls, per worker");
        _meter.CreateObservableCounter("synthex.worker.empty_polls", () => PerWorker(w => w.EmptyPolls), "{poll}", "RX polls that returned nothing, per worker");
        _meter.CreateObservableGauge("synthex.worker.busy_ratio", BusyRatio, null, "Share of a worker's polls since the previous collection that returned packets (0..1)");
        _meter.CreateObservableCounter("synthex.port.rx.packets", () => PerPort(p => p.RxPackets), "{packet}", "Packets the device received, per port");
        _meter.CreateObservableCounter("synthex.port.tx.packets", () => PerPort(p => p.TxPackets), "{packet}", "Packets the device sent, per port");
        _meter.CreateObservableCounter("synthex.port.rx.bytes", () => PerPort(p => p.RxBytes), "By", "Bytes the device received, per port");
        _meter.CreateObservableCounter("synthex.port.tx.bytes", () => PerPort(p => p.TxBytes), "By", "Bytes the device sent, per port");
        _meter.CreateObservableCounter("synthex.port.rx.missed", () => PerPort(p => p.RxMissed), "{packet}", "Packets the device dropped for want of RX descriptors, per port");
        _meter.CreateObservableCounter("synthex.port.rx.errors", () => PerPort(p => p.RxErrors), "{packet}", "Erroneous packets received, per port");
        _meter.CreateObservableCounter("synthex.port.tx.errors", () => PerPort(p => p.TxErrors), "{packet}", "Packets the device failed to send, per port");
        _meter.CreateObservableCounter("synthex.port.rx.nombuf", () => PerPort(p => p.RxNoMbuf), "{packet}", "RX mbuf allocation failures, per port");
        _meter.CreateObservableGauge("synthex.mbuf.in_use", () => PerPool(p => p.InUse), "{mbuf}", "Mbufs out of their pool now (RX rings, bursts, TX rings), per pool; read with rte_mempool_in_use_count when collected");
        _meter.CreateObservableGauge("synthex.mbuf.capacity", () => PerPool(p => p.Capacity), "{mbuf}", "Mbufs a pool holds in all, per pool");
        // Prometheus' histogram series by name (the exporter's own Histogram needs a Record per value,
        // a delegate call on the hot path): cumulative buckets with an le label, a count and a sum,
        // read from the workers' single-writer histograms when collected.
        _meter.CreateObservableUpDownCounter("synthex.service.latency.seconds.bucket", LatencyBuckets, null, "Service latency: requests at most le seconds (consensus round: first contribution to result; similarity query: receive to answer written), cumulative");
        _meter.CreateObservableUpDownCounter("synthex.service.latency.seconds.count", () => Latency(h => h.Count), null, "Service latency: requests measured");
        _meter.CreateObservableUpDownCounter("synthex.service.latency.seconds.sum", () => Latency(h => h.SumSeconds), null, "Service latency: seconds summed over the requests measured");
        _meter.CreateObservableGauge("synthex.service", Service, null, "The service's own counters (consensus rounds, similarity batches...) by name; most only rise");
        _meter.CreateObservableCounter("synthex.gc.collections", () => new Measurement<long>(_state.GcCollections), "{collection}", "Garbage collections since the workers started");
        _meter.CreateObservableCounter("synthex.gc.allocated", () => new Measurement<long>(_state.GcAllocatedBytes), "By", "Bytes the process allocated since the workers started");
        _meter.CreateObservableGauge("synthex.uptime", () => new Measurement<double>(_state.UptimeSeconds), "s", "Seconds since the workers started");
    }

    private IEnumerable<Measurement<long>> PerWorker(Func<WorkerSnapshot, long> value)
    {
        var s = _state.Capture();
        var result = new Measurement<long>[s.Workers.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new Measurement<long>(value(s.Workers[i]), Tag("worker", s.Workers[i].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return result;
    }

    private IEnumerable<Measurement<long>> PerPort(Func<PortStats, long> value)
    {
        var s = _state.Capture();
        var result = new Measurement<long>[s.Ports.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new Measurement<long>(value(s.Ports[i]),
                Tag("port", s.Ports[i].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), Tag("name", s.Ports[i].Name));
        return result;
    }

    private IEnumerable<Measurement<long>> PerPool(Func<PoolStats, long> value)
    {
        var pools = _state.Pools();
        var result = new Measurement<long>[pools.Count];
        for (int i = 0; i < result.Length; i++) result[i] = new Measurement<long>(value(pools[i]), Tag("pool", pools[i].Name));
        return result;
    }

    private IEnumerable<Measurement<long>> LatencyBuckets()
    {
        var histograms = _state.ServiceHistograms();
        var bounds = LatencyHistogram.BoundsSeconds;
        var result = new List<Measurement<long>>(histograms.Count * (bounds.Length + 1));
        foreach (var (name, h) in histograms)
        {
            for (int b = 0; b < bounds.Length; b++)
                result.Add(new Measurement<long>(h.Cumulative(b), Tag("app", _state.App), Tag("histogram", name), Tag("le", LatencyHistogram.Label(b))));
            result.Add(new Measurement<long>(h.Count, Tag("app", _state.App), Tag("histogram", name), Tag("le", "+Inf")));
        }
        return result;
    }

    private IEnumerable<Measurement<T>> Latency<T>(Func<HistogramSnapshot, T> value) where T : struct
    {
        var histograms = _state.ServiceHistograms();
        var result = new Measurement<T>[histograms.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new Measurement<T>(value(histograms[i].Value), Tag("app", _state.App), Tag("histogram", histograms[i].Key));
        return result;
    }

    private IEnumerable<Measurement<long>> Drops()
    {
        var s = _state.Capture();
        var result = new Measurement<long>[(int)DropReason.Count - 1];
        for (int r = 1; r < (int)DropReason.Count; r++)
            result[r - 1] = new Measurement<long>(s.Drops[r], Tag("reason", ((DropReason)r).Name()));
        return result;
    }

    private IEnumerable<Measurement<long>> Service()
    {
        var counters = _state.ServiceCounters();
        var result = new Measurement<long>[counters.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new Measurement<long>(counters[i].Value, Tag("app", _state.App), Tag("counter", counters[i].Key));
        return result;
    }

    /// <summary>1 − Δempty/Δpolls per worker since the previous collection; 0 for a worker that did not poll.</summary>
    private IEnumerable<Measurement<double>> BusyRatio()
    {
        var s = _state.Capture();
        var result = new Measurement<double>[s.Workers.Count];
        lock (_busyGate)
        {
            if (_busyPolls.Length != s.Workers.Count) { _busyPolls = new long[s.Workers.Count]; _busyEmpty = new long[s.Workers.Count]; }
            for (int i = 0; i < result.Length; i++)
            {
                var w = s.Workers[i];
                long polls = w.Polls - _busyPolls[i], empty = w.EmptyPolls - _busyEmpty[i];
                (_busyPolls[i], _busyEmpty[i]) = (w.Polls, w.EmptyPolls);
                double ratio = polls > 0 ? 1.0 - (double)empty / polls : 0;
                result[i] = new Measurement<double>(ratio, Tag("worker", w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        return result;
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    /// <summary>The meter itself, for a listener that must tell this run's instruments from another's in one process (tests).</summary>
    internal Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
