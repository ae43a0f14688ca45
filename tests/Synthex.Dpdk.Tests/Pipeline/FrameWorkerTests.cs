using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Pipeline;

public class FrameWorkerTests
{
    private static readonly byte[] Frame = new FrameBuilder().Build();

    [Fact]
    public void What_tx_refuses_is_freed_and_counted_tx_full()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Burst = 8 }, ports: 2);
        h.Network.TxLimitPerBurst = 5;
        for (int i = 0; i < 16; i++) h.Network.Enqueue(0, Frame);
        h.RunUntilIdle();
        Assert.Equal(16, h.Counters.RxPackets);
        Assert.Equal(10, h.Counters.TxPackets);
        Assert.Equal(6, h.Counters.Drops(DropReason.TxFull));
        Assert.Equal(0, h.Network.InUse);
    }

    [Fact]
    public void Partial_bursts_wait_in_the_tx_buffer_until_drained()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Burst = 32 }, ports: 2);
        for (int i = 0; i < 3; i++) h.Network.Enqueue(0, Frame);
        Assert.Equal(3, h.Worker.PollOnce());
        Assert.Empty(h.Network.Sent);
        h.Worker.Drain();
        Assert.Equal(3, h.Network.Sent.Count);
        Assert.Equal(3L * Frame.Length, h.Counters.TxBytes);
    }

    [Fact]
    public void Timer_drain_sends_a_partial_burst_within_a_millisecond()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Burst = 32 }, ports: 2);
        h.Network.Enqueue(0, Frame);
        h.Worker.PollOnce();
        Thread.Sleep(1);
        h.Worker.PollOnce(); // the ~100 µs drain runs at the top of the next poll
        Assert.Single(h.Network.Sent);
    }

    [Fact]
    public void Bursts_are_counted_by_size_and_empty_polls_counted()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Burst = 4 }, ports: 2);
        for (int i = 0; i < 5; i++) h.Network.Enqueue(0, Frame);
        h.RunUntilIdle();
        Assert.Equal(1, h.Counters.BurstsInBucket(3)); // 4
        Assert.Equal(1, h.Counters.BurstsInBucket(1)); // 1
        Assert.True(h.Counters.EmptyPolls >= 2);
    }

    [Fact]
    public void Run_stops_on_the_flag_and_drains()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "macswap" }, ports: 2);
        h.Network.CaptureTx = false;
        h.Network.Generate(0, Frame);
        var thread = new Thread(h.Worker.Run);
        thread.Start();
        Thread.Sleep(50);
        h.Stop.Request("test");
        Assert.True(thread.Join(TimeSpan.FromSeconds(5)));
        Assert.True(h.Counters.RxPackets > 0);
        Accounting.AssertBalanced(h.Counters);
        Assert.Equal(0, h.Network.InUse);
    }
}
