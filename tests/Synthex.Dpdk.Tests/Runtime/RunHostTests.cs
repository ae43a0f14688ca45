using System.Text.Json;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Runtime;

public class RunHostTests
{
    /// <summary>A backend whose one worker processed some packets and then died in its loop.</summary>
    private sealed class DyingBackend : IBackend
    {
        private readonly WorkerCounters _worker = new(1);

        public DyingBackend()
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
        public void Stop() => throw new InvalidOperationException("worker failed: lcore 1: boom");
        public void Dispose() { }
    }

    [Fact]
    public void A_worker_failure_still_writes_the_report_and_names_the_failure()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synthex-runhost-{Guid.NewGuid():N}.json");
        var settings = new RunSettings { App = "forward", Mode = "io", Duration = 0.05, StatsInterval = 0, StatsJson = json };
        using var stop = new QuitFlag();
        var log = new StringWriter();

        var report = RunHost.Run(new BackendSelection(new DyingBackend(), "test"), settings, stop, log);

        Assert.Equal("worker failed: lcore 1: boom", report.WorkerFailure);
        Assert.Contains("synthex: test: worker failed: lcore 1: boom", log.ToString());
        Assert.True(report.Accounted); // what the worker did before it died is still counted
        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("worker failed: lcore 1: boom", root.GetProperty("worker_failure").GetString());
        Assert.Equal(10, root.GetProperty("totals").GetProperty("rx_packets").GetInt64());
        File.Delete(json);
    }
}
