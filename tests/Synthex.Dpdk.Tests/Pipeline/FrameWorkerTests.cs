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
    public void Io_without_byte_counts_forwards_and_accounts_every_packet_and_counts_no_bytes()
    {
        // Full bursts (sent from the RX array), a partial one (through the TX buffer) and TX
        // refusals (tx_full): packets balance on every path, bytes stay 0 on every path.
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Burst = 8, CountBytes = false }, ports: 2);
        h.Network.TxLimitPerBurst = 5;
        for (int i = 0; i < 19; i++) h.Network.Enqueue(0, Frame);
        h.RunUntilIdle();
        Assert.Equal(19, h.Counters.RxPackets);
        Assert.Equal(13, h.Counters.TxPackets); // 5 + 5 of the two full bursts, 3 of the partial one
        Assert.Equal(6, h.Counters.Drops(DropReason.TxFull));
        Assert.Equal(0, h.Counters.RxBytes);
        Assert.Equal(0, h.Counters.TxBytes);
        Assert.False(h.Counters.CountsBytes);
        Accounting.AssertBalanced(h.Counters);
        Assert.Equal(0, h.Network.InUse);
    }

    [Fact]
    public void Only_apps_that_never_read_frames_may_leave_bytes_uncounted()
    {
        var e = Assert.Throws<ArgumentException>(() => new WorkerHarness(new RunSettings { Mode = "macswap", CountBytes = false }, ports: 2));
        Assert.Contains("reads frames", e.Message);
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
