using Synthex.Dpdk.Packets;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// The one-line live view printed every <c>--stats-interval</c>: the backend, rates since the
/// previous line, totals, the reasons behind the drops of the interval, and per port, e.g.
/// <code>[   2.0s] dpdk rx 14.20 Mpps 6.82 Gbps | tx 14.19 Mpps 6.81 Gbps | drops 9000/s (tx_full 9000/s) | p0 rx 7.10 tx 7.10 Mpps | p1 rx 7.10 tx 7.09 Mpps</code>
/// A line whose interval began inside the warm-up ends in <c>(warm-up)</c>: its rate is not the steady one.
/// </summary>
public static class LiveLine
{
    /// <param name="warmingUp">The interval began before the warm-up ended (<see cref="SteadyWindow"/>).</param>
    public static string Format(StatsSnapshot previous, StatsSnapshot current, double elapsedSeconds, string backend, bool warmingUp = false)
    {
        double dt = Stopwatch.GetElapsedTime(previous.Timestamp, current.Timestamp).TotalSeconds;
        if (dt <= 0) dt = 1e-9;
        var sb = new StringBuilder(160);
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"[{elapsedSeconds,7:F1}s] {backend} rx {Mpps(current.RxPackets - previous.RxPackets, dt)} Mpps");
        // Under --count-bytes false the workers count no bytes: no Gbps rather than a false 0.
        if (current.BytesCounted) sb.Append(c, $" {Gbps(current.RxBytes - previous.RxBytes, dt)} Gbps");
        sb.Append(c, $" | tx {Mpps(current.TxPackets - previous.TxPackets, dt)} Mpps");
        if (current.BytesCounted) sb.Append(c, $" {Gbps(current.TxBytes - previous.TxBytes, dt)} Gbps");
        sb.Append(c, $" | drops {(current.Dropped - previous.Dropped) / dt:F0}/s");
        // Name what is dropping now, so a rising drop rate says why without opening the report.
        string separator = " (";
        for (int r = 1; r < current.Drops.Length; r++)
        {
            long d = current.Drops[r] - (r < previous.Drops.Length ? previous.Drops[r] : 0);
            if (d == 0) continue;
            sb.Append(c, $"{separator}{((DropReason)r).Name()} {d / dt:F0}/s");
            separator = ", ";
        }
        if (separator == ", ") sb.Append(')');
        foreach (var port in current.Ports)
        {
            var before = FindPort(previous, port.Id);
            long rx = port.RxPackets - (before?.RxPackets ?? 0), tx = port.TxPackets - (before?.TxPackets ?? 0);
            long lost = port.RxMissed + port.RxErrors + port.RxNoMbuf + port.TxErrors
                - (before is null ? 0 : before.RxMissed + before.RxErrors + before.RxNoMbuf + before.TxErrors);
            sb.Append(c, $" | p{port.Id} rx {Mpps(rx, dt)} tx {Mpps(tx, dt)} Mpps");
            if (lost > 0) sb.Append(c, $" lost {lost / dt:F0}/s");
        }
        if (warmingUp) sb.Append(" (warm-up)");
        return sb.ToString();
    }

    /// <summary>The closing summary: totals over the window and every drop reason that counted.</summary>
    public static string Summary(RunReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var s = report.Final;
        double t = report.ElapsedSeconds > 0 ? report.ElapsedSeconds : 1e-9;
        var sb = new StringBuilder();
        sb.Append(c, $"synthex: {report.App}{(report.Mode is null ? "" : "/" + report.Mode)} on {report.Backend} for {report.ElapsedSeconds:F2}s: ");
        sb.Append(c, $"rx {s.RxPackets} pkts ({Mpps(s.RxPackets, t)} Mpps");
        if (report.Steady is { } steady)
            sb.Append(c, $"; steady {Mpps(steady.RxPackets, steady.Seconds)} Mpps after {steady.WarmupSeconds:0.#}s warm-up");
        sb.Append(c, $"), tx {s.TxPackets} pkts, dropped {s.Dropped}");
        if (!s.BytesCounted) sb.Append(" (bytes not counted: --count-bytes false; the ports' counters have them where the device keeps them)");
        for (int r = 1; r < s.Drops.Length; r++)
            if (s.Drops[r] != 0) sb.Append(c, $" [{((DropReason)r).Name()} {s.Drops[r]}]");
        if (s.Absorbed != 0 || s.Originated != 0 || s.OriginDropped != 0)
            sb.Append(c, $", {s.Absorbed} absorbed, {s.Originated} originated ({s.OriginDropped} not sent)");
        sb.Append(s.Accounted ? "; every packet accounted for" : "; ACCOUNTING MISMATCH rx != replied + absorbed + dropped");
        sb.Append(c, $"; gc collections {report.GcCollections}");
        if (report.Startup is { } startup)
            sb.Append(c, $"; start-up: backend open {startup.BackendOpenMs:F0} ms, ports up {startup.PortsUpMs:F0} ms, first packet {(startup.FirstPacketMs is { } f ? f.ToString("F0", c) + " ms" : "none")} after process start");
        if (report.Service.Count > 0)
        {
            sb.Append("; service:");
            foreach (var (name, value) in report.Service)
                if (value != 0) sb.Append(c, $" {name} {value}");
        }
        return sb.ToString();
    }

    private static PortStats? FindPort(StatsSnapshot s, int id)
    {
        foreach (var p in s.Ports) if (p.Id == id) return p;
        return null;
    }

    private static string Mpps(long packets, double seconds) => (packets / seconds / 1e6).ToString("F2", CultureInfo.InvariantCulture);
    private static string Gbps(long bytes, double seconds) => (bytes * 8 / seconds / 1e9).ToString("F2", CultureInfo.InvariantCulture);
}
