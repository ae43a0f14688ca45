using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Pipeline;

/// <summary>
/// Runs alone: GC counts are process-wide, and other test classes running in parallel allocate.
/// </summary>
[CollectionDefinition(nameof(ZeroAllocationTests), DisableParallelization = true)]
public sealed class ZeroAllocationCollection;

/// <summary>The hot path allocates nothing: over millions of packets, on the worker thread.</summary>
[Collection(nameof(ZeroAllocationTests))]
public class ZeroAllocationTests
{
    [Theory]
    [InlineData("forward", "io")]
    [InlineData("forward", "macswap")]
    [InlineData("forward", "l2fwd")]
    [InlineData("reflect", null)]       // behind the endpoint stage, no --address: promiscuous UDP
    [InlineData("frame-reflect", null)]
    [InlineData("rendezvous", null)]    // absorbs, and originates from the service pool every poll
    public void Worker_loop_allocates_nothing_over_a_million_packets(string app, string? mode)
    {
        using var h = new WorkerHarness(new RunSettings { App = app, Mode = mode, Burst = 32 }, ports: 2);
        AssertNoAllocation(h);
    }

    [Fact]
    public void Forward_io_without_byte_counts_allocates_nothing_over_a_million_packets()
    {
        using var h = new WorkerHarness(new RunSettings { App = "forward", Mode = "io", Burst = 32, CountBytes = false }, ports: 2);
        AssertNoAllocation(h);
    }

    /// <summary>Forwards port 0 ↔ 1 on the per-packet path, asking for the flow hash (none comes from the in-memory port: software's).</summary>
    private struct HashingForward : IFrameApp
    {
        public Fate Process(Span<byte> frame, in FrameMeta meta)
            => meta.RssHash != 0 ? Fate.Forward((ushort)(meta.Port ^ 1)) : Fate.Drop(DropReason.NotIp);

        public static bool UsesFlowHash => true;
    }

    [Fact]
    public void The_software_flow_hash_allocates_nothing_over_a_million_packets()
    {
        using var h = new WorkerHarness(ports: 2, poolSize: 4096, capacity: 2048, burst: 32, f => f.Accept(new HashingForward()));
        AssertNoAllocation(h);
        Assert.Equal(0, h.Counters.Drops(DropReason.NotIp)); // every frame got its hash
    }

    private static void AssertNoAllocation(WorkerHarness h)
    {
        h.Network.CaptureTx = false;
        var frame = new FrameBuilder { Vlans = [3] }.Build();
        h.Network.Generate(0, frame);
        h.Network.Generate(1, frame);

        long allocated = -1, collections = -1, packets = 0;
        var thread = new Thread(() =>
        {
            for (int i = 0; i < 2_000; i++) h.Worker.PollOnce(); // warm up: let tiering settle
            // GC counts are process-wide: start the window with an empty gen0, so that what
            // test-host threads allocated before it cannot trigger a collection inside it.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            long before = GC.GetAllocatedBytesForCurrentThread();
            int gcBefore = GC.CollectionCount(0);
            long rxBefore = h.Counters.RxPackets;
            while (h.Counters.RxPackets - rxBefore < 1_200_000) h.Worker.PollOnce();
            h.Worker.Drain();
            collections = GC.CollectionCount(0) - gcBefore;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            packets = h.Counters.RxPackets - rxBefore;
        });
        thread.Start();
        thread.Join();
        Assert.True(packets >= 1_000_000);
        Assert.Equal(0, allocated);
        Assert.Equal(0, collections);
        Accounting.AssertBalanced(h.Counters);
    }
}
