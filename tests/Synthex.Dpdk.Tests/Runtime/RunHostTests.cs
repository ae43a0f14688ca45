using System.Text.Json;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Runtime;

public class RunHostTests
{
    /// <summary>A backend whose one worker processed some packets (and then, when <paramref name="dies"/>, died in its loop).</summary>
    private sealed class TestBackend(bool dies) : IBackend
    {
        private readonly WorkerCounters _worker = new(1);

        public TestBackend() : this(dies: true)
        {
            _worker.Rx(10, 640);
            _worker.Tx(9, 576);
            _worker.Drop(DropReason.Runt);
        }

        public string Name => "test";
        public BackendLayers Layers => BackendLayers.Frames;
        public IReadOnlyList<PortInfo> Ports { get; } = [new PortInfo(0, "test0", 0, -1)];
        public IReadOnlyList<WorkerCounters> Workers => [_worker];
        public void Start(RunSettings settings, AppDescriptor app) { }
        public IReadOnlyList<PortStats> ReadPortStats(bool extended) => [new PortStats(0, "test0", 10, 9, 640, 576, 0, 0, 0, 0)];
        public void Stop()
        {
            if (dies) throw new InvalidOperationException("worker failed: lcore 1: boom");
        }
        public void Dispose() { }
    }

    [Fact]
    public void A_worker_failure_still_writes_the_report_and_names_the_failure()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-runhost-{Guid.NewGuid():N}.json");
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new TestBackend(), "test"), settings, stop, log);

        Assert.Equal("worker failed: lcore 1: boom", report.WorkerFailure);
        Assert.Contains("synthex: test: worker failed: lcore 1: boom", log.ToString());
        Assert.True(report.Accounted); // what the worker did before it died is still counted
        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("worker failed: lcore 1: boom", root.GetProperty("worker_failure").GetString());
        Assert.Equal(10, root.GetProperty("totals").GetProperty("rx_packets").GetInt64());
        File.Delete(json);
    }

    /// <summary>
    /// Regression: a report that could not be written at the end threw past the summary line and
    /// exited 1 with a stack trace (or, into a missing directory, silently made it). Now the run
    /// says so, still prints its summary, and fails.
    /// </summary>
    [Fact]
    public void A_report_that_cannot_be_written_at_the_end_is_named_and_fails_the_run()
    {
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = "/proc/synthex-none/report.json" };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new TestBackend(dies: false), "test"), settings, stop, log);

        Assert.True(report.Accounted);
        Assert.NotNull(report.StatsJsonFailure);
        Assert.False(report.Succeeded);
        Assert.Contains("synthex: could not write --stats-json '/proc/synthex-none/report.json'", log.ToString());
        Assert.Contains("every packet accounted for", log.ToString()); // the summary still comes
    }
}

/// <summary>The steady window: counters read when the 1 s warm-up ends, reported beside the whole run's.</summary>
public class RunHostSteadyTests
{
    /// <summary>
    /// Each of the run's own reads of the counters (one per snapshot, on the thread that runs
    /// RunHost) finds 100 more packets forwarded. Reads from other threads find nothing new: the
    /// run's status socket and metrics can be read by others meanwhile (a MeterListener in another
    /// test class records every live observable instrument of the process), and they must not
    /// move the count this test checks.
    /// </summary>
    private sealed class CountingBackend : IBackend
    {
        private readonly WorkerCounters _worker = new(1);
        private readonly int _runThread = Environment.CurrentManagedThreadId;
        public string Name => "test";
        public BackendLayers Layers => BackendLayers.Frames;
        public IReadOnlyList<PortInfo> Ports { get; } = [new PortInfo(0, "test0", 0, -1)];
        public IReadOnlyList<WorkerCounters> Workers => [_worker];
        public void Start(RunSettings settings, AppDescriptor app) { }
        public IReadOnlyList<PortStats> ReadPortStats(bool extended)
        {
            if (Environment.CurrentManagedThreadId == _runThread)
            {
                _worker.Rx(100, 6400);
                _worker.Tx(100, 6400);
            }
            return [];
        }
        public void Stop() { }
        public void Dispose() { }
    }

    [Fact]
    public void A_run_past_its_warm_up_reports_the_steady_window_from_the_warm_up_snapshot_to_the_end()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-steady-{Guid.NewGuid():N}.json");
        // No live lines: the snapshots are the start, the warm-up's end and the final one.
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 1.2, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new CountingBackend(), "test"), settings, stop, log);

        Assert.NotNull(report.Steady);
        Assert.Equal(100, report.Steady.RxPackets); // the final snapshot's 300 less the warm-up's 200
        Assert.Equal(100, report.Steady.TxPackets);
        Assert.Equal(6400, report.Steady.RxBytes);
        Assert.True(report.Steady.WarmupSeconds >= SteadyWindow.DefaultWarmupSeconds);
        Assert.Equal(report.ElapsedSeconds - report.Steady.WarmupSeconds, report.Steady.Seconds, 9);
        Assert.Equal(300, report.Final.RxPackets);
        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var steady = root.GetProperty("steady");
        Assert.Equal(100, steady.GetProperty("rx_packets").GetInt64());
        Assert.Equal(Math.Round(100 / report.Steady.Seconds, 1), steady.GetProperty("rx_pps").GetDouble());
        Assert.Equal(Math.Round(300 / report.ElapsedSeconds, 1), root.GetProperty("rx_pps").GetDouble());
        Assert.Matches(@"; steady \d+\.\d\d Mpps after [\d.]+s warm-up\)", log.ToString());
        File.Delete(json);
    }

    [Fact]
    public void A_run_that_ends_inside_its_warm_up_has_no_steady_window()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-steady-{Guid.NewGuid():N}.json");
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new CountingBackend(), "test"), settings, stop, log);

        Assert.Null(report.Steady);
        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("steady").ValueKind);
        Assert.DoesNotContain("warm-up", log.ToString());
        File.Delete(json);
    }

    [Fact]
    public void Live_lines_whose_interval_began_in_the_warm_up_say_so()
    {
        // Lines every 0.5 s for 3 s: the first interval began at the start (in the warm-up, on any
        // machine); some later one begins after it, unless the control thread stalls for 2 s.
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 3, StatsInterval = 0.5, StatsJson = null };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        RunHost.Run(new BackendSelection(new CountingBackend(), "test"), settings, stop, log);

        var lines = log.ToString().Split('\n').Where(l => l.StartsWith('[')).ToList();
        Assert.NotEmpty(lines);
        Assert.EndsWith("(warm-up)", lines[0].TrimEnd());
        Assert.Contains(lines, l => !l.Contains("(warm-up)"));
    }
}

/// <summary>Start-up in the report: process start → backend open → ports up → first packet, in ms.</summary>
public class RunHostStartupTests
{
    /// <summary>Receives <paramref name="packets"/> packets when started (0: a port that stays silent).</summary>
    private sealed class StartingBackend(int packets) : IBackend
    {
        private readonly WorkerCounters _worker = new(1);
        public string Name => "test";
        public BackendLayers Layers => BackendLayers.Frames;
        public IReadOnlyList<PortInfo> Ports { get; } = [new PortInfo(0, "test0", 0, -1)];
        public IReadOnlyList<WorkerCounters> Workers => [_worker];
        public long PortsUpTimestamp { get; private set; }
        public void Start(RunSettings settings, AppDescriptor app)
        {
            Thread.Sleep(20); // a port that takes a while to come up: ports up is after backend open
            PortsUpTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            if (packets == 0) return;
            _worker.Rx(0, 0); // an empty poll is no first packet
            Thread.Sleep(20);
            _worker.Rx(packets, packets * 64L);
            _worker.Tx(packets, packets * 64L);
        }
        public IReadOnlyList<PortStats> ReadPortStats(bool extended) => [];
        public void Stop() { }
        public void Dispose() { }
    }

    [Fact]
    public void The_report_times_backend_open_ports_up_and_first_packet_from_process_start_in_that_order()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-startup-{Guid.NewGuid():N}.json");
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new StartingBackend(5), "test"), settings, stop, log);

        var startup = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("startup");
        double open = startup.GetProperty("backend_open_ms").GetDouble();
        double portsUp = startup.GetProperty("ports_up_ms").GetDouble();
        double first = startup.GetProperty("first_packet_ms").GetDouble();
        Assert.True(open > 0, $"backend open {open} ms");
        Assert.True(open < portsUp && portsUp < first, $"open {open}, ports up {portsUp}, first packet {first}");
        Assert.Equal(report.Startup, new StartupTimes(open, portsUp, first));
        Assert.Matches(@"; start-up: backend open \d+ ms, ports up \d+ ms, first packet \d+ ms after process start", log.ToString());
        File.Delete(json);
    }

    [Fact]
    public void A_run_that_received_nothing_has_no_first_packet_time()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-startup-{Guid.NewGuid():N}.json");
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        RunHost.Run(new BackendSelection(new StartingBackend(0), "test"), settings, stop, log);

        var startup = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("startup");
        Assert.True(startup.GetProperty("backend_open_ms").GetDouble() < startup.GetProperty("ports_up_ms").GetDouble());
        Assert.Equal(JsonValueKind.Null, startup.GetProperty("first_packet_ms").ValueKind);
        Assert.Contains("first packet none after process start", log.ToString());
        File.Delete(json);
    }

    [Fact]
    public void A_first_packet_before_start_returned_moves_ports_up_to_it_when_the_backend_does_not_stamp_ports_up()
    {
        var clock = new ProcessClock(DateTime.UtcNow.AddSeconds(-1));
        long open = System.Diagnostics.Stopwatch.GetTimestamp();
        long first = open + System.Diagnostics.Stopwatch.Frequency / 100;
        long startReturned = first + System.Diagnostics.Stopwatch.Frequency / 100;

        var times = StartupTimes.Since(clock, open, startReturned, first);

        Assert.Equal(times.FirstPacketMs, times.PortsUpMs);
        Assert.True(times.BackendOpenMs < times.PortsUpMs);
        Assert.InRange(times.BackendOpenMs, 900, 60_000); // the process "started" a second before the clock was made
    }

    [Fact]
    public void The_first_packet_stamp_is_taken_once_by_the_first_burst_that_carries_packets()
    {
        var counters = new WorkerCounters(1);
        counters.Rx(0, 0);
        Assert.Equal(0, counters.FirstRxTimestamp);
        long before = System.Diagnostics.Stopwatch.GetTimestamp();
        counters.Rx(3, 192);
        long stamp = counters.FirstRxTimestamp;
        Assert.InRange(stamp, before, System.Diagnostics.Stopwatch.GetTimestamp());
        Thread.Sleep(5);
        counters.Rx(3, 192);
        Assert.Equal(stamp, counters.FirstRxTimestamp);
    }
}
