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

    public WorkerHarness(RunSettings settings, int ports = 2, int poolSize = 4096, ulong[]? macs = null, int capacity = MemoryNetwork.DefaultCapacity)
        : this(ports, poolSize, capacity, settings.Burst, factory =>
        {
            var portInfos = Enumerable.Range(0, ports)
                .Select(p => new PortInfo(p, $"mem{p}", macs?[p] ?? (0x0A0000000000UL | (uint)p), 0)).ToArray();
            return FrameApps.Create(AppCatalog.Find(settings.App), new FrameAppContext(settings.AppOptions, portInfos), factory);
        }, settings.CountBytes)
    {
    }

    /// <summary>Runs <paramref name="create"/>'s worker (a frame app built by the test, e.g. an endpoint stage over a test app).</summary>
    public WorkerHarness(int ports, int poolSize, int capacity, int burst, Func<FrameWorkerFactory<MemoryIo>, IWorker> create, bool countBytes = true)
    {
        Network = new MemoryNetwork(ports, poolSize, capacity);
        var rx = Enumerable.Range(0, ports).Select(p => new RxQueueRef((ushort)p, 0)).ToArray();
        var tx = Enumerable.Range(0, ports).ToDictionary(p => p, _ => (ushort)0);
        Worker = create(new FrameWorkerFactory<MemoryIo>(new MemoryIo(Network), rx, tx, burst, Counters, Stop, countBytes: countBytes));
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
