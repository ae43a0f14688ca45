using System.Text.Encodings.Web;
using System.Text.Json;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// The end-of-run report: what <c>--stats-json</c> writes (schema in DESIGN.md) and what the
/// summary line prints. Built by the runtime (<c>RunHost</c>) after the backend has stopped and
/// drained, so its totals are final.
/// </summary>
public sealed class RunReport
{
    public required string App { get; init; }
    public string? Mode { get; init; }
    public required string Backend { get; init; }
    public string? BackendReason { get; init; }

    /// <summary>Seconds packets were being processed: from workers running to workers stopped.</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>Why the run ended: "duration", "SIGINT", "SIGTERM".</summary>
    public string? StopCause { get; init; }

    public required StatsSnapshot Final { get; init; }

    /// <summary>The run after its warm-up (rates without the JIT's first tier), or null when it ended before the warm-up did.</summary>
    public SteadyWindow? Steady { get; init; }

    /// <summary>Process start to backend open, ports up and first packet (ms), or null where the process's start time cannot be read.</summary>
    public StartupTimes? Startup { get; init; }

    /// <summary>Why a worker stopped on its own (an error in its loop), or null. Such a run exits 1.</summary>
    public string? WorkerFailure { get; init; }

    /// <summary>Garbage collections (any generation) during the processing window.</summary>
    public required long GcCollections { get; init; }

    /// <summary>Bytes allocated by the whole process during the window (control thread included).</summary>
    public required long GcAllocatedBytes { get; init; }

    /// <summary>
    /// The managed heap's size when the report was made (<see cref="GC.GetTotalMemory(bool)"/>,
    /// garbage not yet collected included), or null. Beside RSS it tells managed growth from
    /// native (docs/RELIABILITY.md, the soak's RSS).
    /// </summary>
    public long? GcHeapBytes { get; init; }

    /// <summary>The app's own counters (consensus: rounds, chunks, refusals by status...); empty for apps without.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Service { get; init; } = [];

    /// <summary>The app's latency histograms by name (<c>latency</c>: count, sum, p50/p99 bucket bounds, cumulative buckets).</summary>
    public IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> Latency { get; init; } = [];

    /// <summary>The mbuf pools and how much of each was in use when the report was read (DPDK only; empty elsewhere): <c>mbuf_pools</c>.</summary>
    public IReadOnlyList<PoolStats> Pools { get; init; } = [];

    /// <summary>Why <c>--stats-json</c> could not be written at the end, or null. Such a run exits 1.</summary>
    public string? StatsJsonFailure { get; set; }

    /// <summary>Every packet accounted for, no worker failed, the report written: the run exits 0.</summary>
    public bool Succeeded => Accounted && WorkerFailure is null && StatsJsonFailure is null;

    /// <summary><c>rx = replied + absorbed + dropped</c> and <c>tx = replied + originated</c> (<see cref="StatsSnapshot.Accounted"/>).</summary>
    public bool Accounted => Final.Accounted;

    /// <summary>A bucket bound: null when nothing was recorded, "+Inf" past the last bound.</summary>
    private static void WriteBound(Utf8JsonWriter w, string name, double bound)
    {
        if (double.IsNaN(bound)) w.WriteNull(name);
        else if (double.IsPositiveInfinity(bound)) w.WriteString(name, "+Inf");
        else w.WriteNumber(name, bound);
    }

    public void WriteJson(string path)
    {
        using var stream = File.Create(path);
        WriteJson(stream);
    }

    public void WriteJson(Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        WriteJson(w);
    }

    /// <summary>The report as one JSON object written into <paramref name="w"/> (as a value: the
    /// status answer nests it under <c>report</c> without a second buffer).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        var s = Final;
        w.WriteStartObject();
        w.WriteString("app", App);
        if (Mode is null) w.WriteNull("mode"); else w.WriteString("mode", Mode);
        w.WriteString("backend", Backend);
        if (BackendReason is not null) w.WriteString("backend_reason", BackendReason);
        w.WriteNumber("elapsed_seconds", Math.Round(ElapsedSeconds, 6));
        if (StopCause is not null) w.WriteString("stop_cause", StopCause);
        if (WorkerFailure is not null) w.WriteString("worker_failure", WorkerFailure);

        w.WriteStartObject("totals");
        w.WriteNumber("rx_packets", s.RxPackets);
        w.WriteNumber("rx_bytes", s.RxBytes);
        w.WriteNumber("tx_packets", s.TxPackets);
        w.WriteNumber("tx_bytes", s.TxBytes);
        w.WriteNumber("dropped", s.Dropped);
        w.WriteNumber("replied", s.Replied);
        w.WriteNumber("absorbed", s.Absorbed);
        w.WriteNumber("originated", s.Originated);
        w.WriteNumber("origin_dropped", s.OriginDropped);
        w.WriteStartObject("drops");
        for (int r = 1; r < (int)DropReason.Count; r++) w.WriteNumber(((DropReason)r).Name(), s.Drops[r]);
        w.WriteEndObject();
        w.WriteBoolean("accounted", Accounted);
        w.WriteBoolean("bytes_counted", s.BytesCounted); // false: --count-bytes false, rx/tx_bytes are 0
        w.WriteEndObject();

        // Whole-run rates beside the steady ones, so a reader compares like with like.
        double t = ElapsedSeconds > 0 ? ElapsedSeconds : double.PositiveInfinity;
        w.WriteNumber("rx_pps", Math.Round(s.RxPackets / t, 1));
        w.WriteNumber("tx_pps", Math.Round(s.TxPackets / t, 1));
        if (Steady is { } steady)
        {
            w.WriteStartObject("steady");
            w.WriteNumber("warmup_seconds", steady.WarmupSeconds);
            w.WriteNumber("seconds", Math.Round(steady.Seconds, 6));
            w.WriteNumber("rx_packets", steady.RxPackets);
            w.WriteNumber("rx_bytes", steady.RxBytes);
            w.WriteNumber("tx_packets", steady.TxPackets);
            w.WriteNumber("tx_bytes", steady.TxBytes);
            w.WriteNumber("dropped", steady.Dropped);
            w.WriteNumber("rx_pps", Math.Round(steady.RxPacketsPerSecond, 1));
            w.WriteNumber("tx_pps", Math.Round(steady.TxPacketsPerSecond, 1));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("steady");
        }

        if (Startup is { } startup)
        {
            w.WriteStartObject("startup");
            w.WriteNumber("backend_open_ms", startup.BackendOpenMs);
            w.WriteNumber("ports_up_ms", startup.PortsUpMs);
            if (startup.FirstPacketMs is { } first) w.WriteNumber("first_packet_ms", first); else w.WriteNull("first_packet_ms");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("startup");
        }

        w.WriteStartArray("ports");
        foreach (var p in s.Ports)
        {
            w.WriteStartObject();
            w.WriteNumber("id", p.Id);
            w.WriteString("name", p.Name);
            w.WriteNumber("rx_packets", p.RxPackets);
            w.WriteNumber("tx_packets", p.TxPackets);
            w.WriteNumber("rx_bytes", p.RxBytes);
            w.WriteNumber("tx_bytes", p.TxBytes);
            w.WriteNumber("rx_missed", p.RxMissed);
            w.WriteNumber("rx_errors", p.RxErrors);
            w.WriteNumber("tx_errors", p.TxErrors);
            w.WriteNumber("rx_nombuf", p.RxNoMbuf);
            if (p.Extended is { } xstats)
            {
                w.WriteStartObject("xstats");
                foreach (var (name, value) in xstats) w.WriteNumber(name, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("lcores");
        foreach (var l in s.Workers)
        {
            w.WriteStartObject();
            w.WriteNumber("id", l.Id);
            w.WriteNumber("rx_packets", l.RxPackets);
            w.WriteNumber("tx_packets", l.TxPackets);
            w.WriteNumber("rx_bytes", l.RxBytes);
            w.WriteNumber("tx_bytes", l.TxBytes);
            w.WriteNumber("dropped", l.Dropped);
            w.WriteNumber("absorbed", l.Absorbed);
            w.WriteNumber("originated", l.Originated);
            w.WriteNumber("polls", l.Polls);
            w.WriteNumber("empty_polls", l.EmptyPolls);
            w.WriteStartObject("bursts");
            for (int b = 0; b < l.Bursts.Length; b++) w.WriteNumber(WorkerCounters.BucketLabel(b), l.Bursts[b]);
            w.WriteEndObject();
            w.WriteNumber("allocated_bytes", l.AllocatedBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        if (Service.Count > 0)
        {
            w.WriteStartObject("service");
            foreach (var (name, value) in Service) w.WriteNumber(name, value);
            w.WriteEndObject();
        }

        if (Latency.Count > 0)
        {
            w.WriteStartObject("latency");
            foreach (var (name, h) in Latency)
            {
                w.WriteStartObject(name);
                w.WriteNumber("count", h.Count);
                w.WriteNumber("sum_seconds", h.SumSeconds);
                WriteBound(w, "p50_le_seconds", h.QuantileBound(0.50));
                WriteBound(w, "p99_le_seconds", h.QuantileBound(0.99));
                // Cumulative, as Prometheus' _bucket{le}: values at most each bound.
                w.WriteStartObject("buckets");
                for (int b = 0; b < LatencyHistogram.BoundsSeconds.Length; b++)
                    w.WriteNumber(LatencyHistogram.Label(b), h.Cumulative(b));
                w.WriteNumber("+Inf", h.Count);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }

        if (Pools.Count > 0)
        {
            w.WriteStartArray("mbuf_pools");
            foreach (var pool in Pools)
            {
                w.WriteStartObject();
                w.WriteString("name", pool.Name);
                w.WriteNumber("in_use", pool.InUse);
                w.WriteNumber("capacity", pool.Capacity);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }

        w.WriteStartObject("gc");
        w.WriteNumber("collections", GcCollections);
        w.WriteNumber("allocated_bytes", GcAllocatedBytes);
        if (GcHeapBytes is { } heap) w.WriteNumber("heap_bytes", heap);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
