using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Tests.Pipeline;

/// <summary>The worker's idle back-off: when it sleeps, that a packet resets it, that it allocates nothing.</summary>
public class IdleBackoffTests
{
    [Theory]
    [InlineData(IdleMode.Busy)]
    [InlineData(IdleMode.Pause)]
    public void Busy_and_pause_never_sleep(IdleMode mode)
    {
        var idle = new IdleBackoff(mode);
        for (int i = 0; i < IdleBackoff.SleepAfter * 4; i++) idle.Empty();
        Assert.Equal(0, idle.Sleeps);
    }

    [Fact]
    public void Sleep_engages_only_after_a_run_of_empty_polls_and_a_packet_resets_it()
    {
        var idle = new IdleBackoff(IdleMode.Sleep);
        for (int i = 0; i < IdleBackoff.SleepAfter - 1; i++) idle.Empty();
        Assert.Equal(0, idle.Sleeps); // a gap between bursts never sleeps
        for (int i = 0; i < 10; i++) idle.Empty();
        Assert.Equal(10, idle.Sleeps);

        idle.Busy(); // the first packet: full polling again
        for (int i = 0; i < IdleBackoff.SleepAfter - 1; i++) idle.Empty();
        Assert.Equal(10, idle.Sleeps);
    }

    [Fact]
    public void Sleeping_allocates_nothing()
    {
        long allocated = -1, sleeps = 0;
        var thread = new Thread(() =>
        {
            var idle = new IdleBackoff(IdleMode.Sleep);
            for (int i = 0; i < IdleBackoff.SleepAfter + 5; i++) idle.Empty(); // warm up: bind the libc calls
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) idle.Empty();
            idle.Busy();
            for (int i = 0; i < IdleBackoff.SleepAfter + 50; i++) idle.Empty();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            sleeps = idle.Sleeps;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(0, allocated);
        Assert.True(sleeps >= 250, $"slept {sleeps} times");
    }
}
