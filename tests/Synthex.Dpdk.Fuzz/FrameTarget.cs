using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// Any bytes as a received Ethernet frame: the packet parser must give a layout inside the frame
/// or a drop reason, the flow hash must not throw, and the frame through the real
/// <see cref="FrameWorker{TApp, TIo}"/> with the UDP endpoint (the reflect service on
/// 10.0.0.2/24 and fd00::2/64, port 9000) over the in-memory port must be answered or dropped
/// under a named reason — never an exception, never a buffer kept, the accounting identity
/// holding after every frame, and no answer longer than the port's room.
/// </summary>
public static class FrameTarget
{
    private static readonly MemoryNetwork Network = new(ports: 1, poolSize: 64);
    private static readonly WorkerCounters Counters = new(1);
    private static readonly QuitFlag Stop = new();
    private static readonly IWorker Worker = CreateWorker();

    private static IWorker CreateWorker()
    {
        Network.CaptureTx = false;
        var settings = new RunSettings { App = "reflect", Address = "10.0.0.2/24,fd00::2/64", Burst = 32 };
        var ports = new[] { new PortInfo(0, "mem0", 0x020000000002UL, 0) };
        var factory = new FrameWorkerFactory<MemoryIo>(new MemoryIo(Network), [new RxQueueRef(0, 0)],
            new Dictionary<int, ushort> { [0] = 0 }, 32, Counters, Stop);
        return FrameApps.Create(AppCatalog.Find(settings.App), new FrameAppContext(settings.AppOptions, ports), factory);
    }

    public static void Run(byte[] data)
    {
        var frame = data.AsSpan();
        DropReason parsed = PacketParser.Parse(frame, out var layout);
        if (parsed == DropReason.None
            && (layout.L3Offset < 14 || layout.L4Offset < layout.L3Offset || layout.L4Offset + layout.L4Length > frame.Length || layout.L4Length < 8))
            throw new BrokenRuleException($"parser accepted a layout outside the frame: L3 {layout.L3Offset} L4 {layout.L4Offset}+{layout.L4Length} of {frame.Length}");
        _ = FlowHash.Of(frame);

        if (data.Length > Network.Capacity) return; // larger than a packet buffer: a PMD never delivers it
        long rxBefore = Counters.RxPackets;
        // Every second input as a multi-segment packet: the first byte decides, so AFL can choose.
        Network.Enqueue(0, frame, chained: data.Length > 0 && (data[0] & 1) != 0 && data.Length % 7 == 0);
        while (Worker.PollOnce() != 0) { }
        Worker.Drain();

        var snapshot = StatsSnapshot.Capture([Counters], []);
        if (Counters.RxPackets != rxBefore + 1)
            throw new BrokenRuleException($"one frame in, {Counters.RxPackets - rxBefore} counted received");
        if (!snapshot.Accounted)
            throw new BrokenRuleException($"accounting: rx {snapshot.RxPackets} != replied {snapshot.Replied} + absorbed {snapshot.Absorbed} + dropped {snapshot.Dropped}");
        if (Network.InUse != 0)
            throw new BrokenRuleException($"{Network.InUse} packet buffers kept after the burst");
    }
}
