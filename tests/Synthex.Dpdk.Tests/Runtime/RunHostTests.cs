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
    /// <summary>Each read of the counters (one per snapshot) finds 100 more packets forwarded.</summary>
    private sealed class CountingBackend : IBackend
    {
        private readonly WorkerCounters _worker = new(1);
        public string Name => "test";
        public BackendLayers Layers => BackendLayers.Frames;
        public IReadOnlyList<PortInfo> Ports { get; } = [new PortInfo(0, "test0", 0, -1)];
        public IReadOnlyList<WorkerCounters> Workers => [_worker];
        public void Start(RunSettings settings, AppDescriptor app) { }
        public IReadOnlyList<PortStats> ReadPortStats(bool extended)
        {
            _worker.Rx(100, 6400);
            _worker.Tx(100, 6400);
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
