using System.Text.Json;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Telemetry;

public class RunReportTests
{
    [Fact]
    public void Json_has_the_fields_design_md_promises_and_accounts_for_every_packet()
    {
        var a = new WorkerCounters(1);
        var b = new WorkerCounters(2);
        a.Poll(32); a.Rx(32, 2048); a.Tx(30, 1920); a.Drop(DropReason.TxFull, 2);
        b.Poll(0); b.Poll(4); b.Rx(4, 256); b.Tx(3, 192); b.Drop(DropReason.NotIp);
        var ports = new[] { new PortStats(0, "net_null0", 36, 33, 0, 0, 0, 0, 0, 0) };
        var report = new RunReport
        {
            App = "forward", Mode = "io", Backend = "dpdk", ElapsedSeconds = 2.5,
            Final = StatsSnapshot.Capture([a, b], ports), GcCollections = 0, GcAllocatedBytes = 123, GcHeapBytes = 4567,
        };
        using var stream = new MemoryStream();
        report.WriteJson(stream);
        var json = JsonDocument.Parse(stream.ToArray()).RootElement;

        Assert.Equal("forward", json.GetProperty("app").GetString());
        Assert.Equal("io", json.GetProperty("mode").GetString());
        Assert.Equal("dpdk", json.GetProperty("backend").GetString());
        Assert.Equal(2.5, json.GetProperty("elapsed_seconds").GetDouble());
        var totals = json.GetProperty("totals");
        Assert.Equal(36, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(2304, totals.GetProperty("rx_bytes").GetInt64());
        Assert.Equal(33, totals.GetProperty("tx_packets").GetInt64());
        Assert.Equal(2112, totals.GetProperty("tx_bytes").GetInt64());
        Assert.Equal(3, totals.GetProperty("dropped").GetInt64());
        Assert.Equal(2, totals.GetProperty("drops").GetProperty("tx_full").GetInt64());
        Assert.Equal(1, totals.GetProperty("drops").GetProperty("not_ip").GetInt64());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.True(totals.GetProperty("bytes_counted").GetBoolean());
        var port = json.GetProperty("ports")[0];
        Assert.Equal("net_null0", port.GetProperty("name").GetString());
        Assert.Equal(36, port.GetProperty("rx_packets").GetInt64());
        var lcore = json.GetProperty("lcores")[1];
        Assert.Equal(2, lcore.GetProperty("id").GetInt32());
        Assert.Equal(2, lcore.GetProperty("polls").GetInt64());
        Assert.Equal(1, lcore.GetProperty("empty_polls").GetInt64());
        Assert.Equal(1, lcore.GetProperty("bursts").GetProperty("4-7").GetInt64());
        Assert.Equal(0, json.GetProperty("gc").GetProperty("collections").GetInt64());
        Assert.Equal(123, json.GetProperty("gc").GetProperty("allocated_bytes").GetInt64());
        Assert.Equal(4567, json.GetProperty("gc").GetProperty("heap_bytes").GetInt64());   // the managed heap beside RSS (the soak)
    }

    [Fact]
    public void Live_line_names_the_backend_and_shows_rates_per_port_and_drops_by_reason()
    {
        var w = new WorkerCounters(1);
        var before = StatsSnapshot.Capture([w], [new PortStats(0, "p", 0, 0, 0, 0, 0, 0, 0, 0)]);
        w.Rx(1_000_000, 64_000_000); w.Tx(999_000, 63_936_000); w.Drop(DropReason.TxFull, 1000);
        Thread.Sleep(10);
        var after = StatsSnapshot.Capture([w], [new PortStats(0, "p", 1_000_000, 999_000, 0, 0, 5, 0, 0, 0)]);
        var line = LiveLine.Format(before, after, 1.0, "dpdk");
        Assert.StartsWith("[    1.0s] dpdk rx ", line);
        Assert.Contains("Mpps", line);
        Assert.Contains("Gbps", line);
        Assert.Contains("drops ", line);
        Assert.Matches(@"drops \d+/s \(tx_full \d+/s\)", line);
        Assert.Contains("p0 rx", line);
        Assert.Contains("lost", line);
    }

    [Fact]
    public void Without_byte_counts_the_line_shows_no_gbps_and_the_report_says_so()
    {
        // --count-bytes false (forward io): a 0 Gbps would read as "no traffic", so none is shown.
        var w = new WorkerCounters(1) { CountsBytes = false };
        var before = StatsSnapshot.Capture([w], []);
        w.Rx(1_000_000, 0); w.Tx(1_000_000, 0);
        Thread.Sleep(10);
        var after = StatsSnapshot.Capture([w], []);
        Assert.False(after.BytesCounted);
        var line = LiveLine.Format(before, after, 1.0, "dpdk");
        Assert.Contains("Mpps", line);
        Assert.DoesNotContain("Gbps", line);

        var report = new RunReport { App = "forward", Mode = "io", Backend = "dpdk", ElapsedSeconds = 1.0, Final = after, GcCollections = 0, GcAllocatedBytes = 0 };
        Assert.Contains("bytes not counted: --count-bytes false", LiveLine.Summary(report));
        using var stream = new MemoryStream();
        report.WriteJson(stream);
        Assert.False(JsonDocument.Parse(stream.ToArray()).RootElement.GetProperty("totals").GetProperty("bytes_counted").GetBoolean());
    }
}

public class SteadyWindowTests
{
    private static StatsSnapshot At(long rx, long tx, long dropped)
    {
        var w = new WorkerCounters(1);
        w.Rx(rx, rx * 64); w.Tx(tx, tx * 64); w.Drop(DropReason.TxFull, dropped);
        return StatsSnapshot.Capture([w], []);
    }

    [Fact]
    public void The_window_is_the_difference_between_the_warm_up_snapshot_and_the_final_one()
    {
        var window = SteadyWindow.Between(At(1_000, 900, 100), 1.0, At(5_000, 4_800, 200), 3.0);

        Assert.NotNull(window);
        Assert.Equal(2.0, window.Seconds);
        Assert.Equal(4_000, window.RxPackets);
        Assert.Equal(4_000 * 64, window.RxBytes);
        Assert.Equal(3_900, window.TxPackets);
        Assert.Equal(100, window.Dropped);
        Assert.Equal(2_000, window.RxPacketsPerSecond);
        Assert.Equal(1_950, window.TxPacketsPerSecond);
    }

    [Fact]
    public void No_window_without_a_warm_up_snapshot_or_time_after_it()
    {
        Assert.Null(SteadyWindow.Between(null, 1.0, At(10, 10, 0), 3.0));
        Assert.Null(SteadyWindow.Between(At(10, 10, 0), 1.0, At(10, 10, 0), 1.0));
    }

    [Fact]
    public void The_summary_gives_the_steady_rate_beside_the_whole_runs()
    {
        var final = At(4_000_000, 4_000_000, 0);
        var report = new RunReport
        {
            App = "forward", Mode = "io", Backend = "dpdk", ElapsedSeconds = 2.0, Final = final,
            Steady = SteadyWindow.Between(At(1_000_000, 1_000_000, 0), 1.0, final, 2.0),
            GcCollections = 0, GcAllocatedBytes = 0,
        };
        Assert.Contains("rx 4000000 pkts (2.00 Mpps; steady 3.00 Mpps after 1s warm-up)", LiveLine.Summary(report));
    }

    [Fact]
    public void A_live_line_in_the_warm_up_is_marked()
    {
        var s = At(1, 1, 0);
        Assert.EndsWith(" (warm-up)", LiveLine.Format(s, s, 0.5, "dpdk", warmingUp: true));
        Assert.DoesNotContain("warm-up", LiveLine.Format(s, s, 2.5, "dpdk"));
    }
}
