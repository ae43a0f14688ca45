using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Tests.Support;

/// <summary>Runs an app from the catalog over a <see cref="MemoryNetwork"/> with the real <see cref="FrameWorker{TApp, TIo}"/>.</summary>
public sealed class WorkerHarness : IDisposable
{
    public MemoryNetwork Network { get; }
    public WorkerCounters Counters { get; } = new(1);
    public QuitFlag Stop { get; } = new();
    public IWorker Worker { get; }

    public WorkerHarness(RunSettings settings, int ports = 2, int poolSize = 4096, ulong[]? macs = null)
    {
        Network = new MemoryNetwork(ports, poolSize);
        var portInfos = Enumerable.Range(0, ports)
            .Select(p => new PortInfo(p, $"mem{p}", macs?[p] ?? (0x0A0000000000UL | (uint)p), 0)).ToArray();
        var app = AppCatalog.Find(settings.App);
        var rx = Enumerable.Range(0, ports).Select(p => new RxQueueRef((ushort)p, 0)).ToArray();
        var tx = Enumerable.Range(0, ports).ToDictionary(p => p, _ => (ushort)0);
        Worker = app.CreateFrameApp(new FrameAppContext(settings.AppOptions, portInfos),
            new FrameWorkerFactory<MemoryIo>(new MemoryIo(Network), rx, tx, settings.Burst, Counters, Stop));
    }

    /// <summary>Polls until the RX queues are empty, then drains TX.</summary>
    public void RunUntilIdle()
    {
        while (Worker.PollOnce() != 0) { }
        Worker.Drain();
    }

    public void Dispose()
    {
        Worker.Dispose();
        Network.Dispose();
        Stop.Dispose();
    }
}
