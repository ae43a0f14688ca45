using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// What the control socket answers (schema <c>synthex-status/1</c>): who the instance is, how long
/// it has run, the live line and its rates since the last live line, and under <c>report</c> the
/// counters in exactly the <c>--stats-json</c> schema (DESIGN.md) as they stand now, so a tool
/// that reads the end-of-run report reads a running instance the same way.
/// </summary>
public static class StatusDocument
{
    public const string Schema = "synthex-status/1";

    public static byte[] Write(LiveState state, string? metricsUrl)
    {
        var now = state.Capture(fresh: true);
        var previous = state.PreviousLive;
        double uptime = state.UptimeSeconds;
        var report = new RunReport
        {
            App = state.App, Mode = state.Mode, Backend = state.Backend, BackendReason = state.BackendReason,
            ElapsedSeconds = uptime, Final = now,
            GcCollections = state.GcCollections, GcAllocatedBytes = state.GcAllocatedBytes, GcHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            Service = state.ServiceCounters(),
            Pools = state.Pools(),
            Latency = state.ServiceHistograms(),
        };
        double dt = Math.Max(1e-9, System.Diagnostics.Stopwatch.GetElapsedTime(previous.Timestamp, now.Timestamp).TotalSeconds);
        // One writer over a buffer this thread keeps (the control socket's): the report is written
        // straight into it. Two MemoryStreams and their writers' growing buffers, the report's
        // copied in as raw JSON, cost ~85 KB a request for a ~5 KB answer — garbage that an idle
        // data path never collects (the soak's RSS creep, docs/RELIABILITY.md).
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(32 * 1024);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(buffer);
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("name", state.Name);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteString("phase", state.Phase);
            w.WriteString("app", state.App);
            if (state.Mode is null) w.WriteNull("mode"); else w.WriteString("mode", state.Mode);
            w.WriteString("backend", state.Backend);
            w.WriteString("started_utc", state.StartedUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteNumber("uptime_seconds", Math.Round(uptime, 3));
            if (metricsUrl is null) w.WriteNull("metrics_url"); else w.WriteString("metrics_url", metricsUrl);
            w.WriteString("live_line", LiveLine.Format(previous, now, uptime, state.Backend));
            w.WriteStartObject("rates");
            w.WriteNumber("interval_seconds", Math.Round(dt, 3));
            w.WriteNumber("rx_packets_per_second", Math.Round((now.RxPackets - previous.RxPackets) / dt, 1));
            w.WriteNumber("tx_packets_per_second", Math.Round((now.TxPackets - previous.TxPackets) / dt, 1));
            w.WriteNumber("rx_bits_per_second", Math.Round((now.RxBytes - previous.RxBytes) * 8 / dt, 1));
            w.WriteNumber("tx_bits_per_second", Math.Round((now.TxBytes - previous.TxBytes) * 8 / dt, 1));
            w.WriteNumber("drops_per_second", Math.Round((now.Dropped - previous.Dropped) / dt, 1));
            w.WriteEndObject();
            w.WriteString("summary", LiveLine.Summary(report));
            w.WritePropertyName("report");
            report.WriteJson(w);
            w.WriteEndObject();
            w.Flush();
        }
        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;
}
