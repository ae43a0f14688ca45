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

    /// <summary>A wait that returns at once and counts, or fails where told to.</summary>
    private sealed class FakeRxWait(bool attaches = true, int failAfter = int.MaxValue, int woken = 0) : IRxWait
    {
        public int Attached, Waited;
        public int LastTimeout;

        public bool Attach()
        {
            Attached++;
            return attaches;
        }

        public int Wait(int timeoutMilliseconds)
        {
            LastTimeout = timeoutMilliseconds;
            return ++Waited <= failAfter ? woken : -1;
        }
    }

    [Fact]
    public void Interrupt_waits_only_after_a_run_of_empty_polls_waits_again_at_once_and_a_packet_resets_it()
    {
        var wait = new FakeRxWait();
        var idle = new IdleBackoff(IdleMode.Interrupt, wait, waitMilliseconds: 7);
        idle.Start();
        Assert.Equal(1, wait.Attached);
        Assert.Equal(IdleMode.Interrupt, idle.Mode);
        for (int i = 0; i < IdleBackoff.SleepAfter - 1; i++) idle.Empty();
        Assert.Equal(0, wait.Waited); // a gap between bursts never waits
        // Short sleeps first (4, 8, ..., 128 us: the sleeps grow to the longest), then the wait;
        // each empty poll after a wait waits again: no second run of polls or sleeps.
        for (int i = 0; i < 16; i++) idle.Empty();
        Assert.Equal(6, idle.Sleeps);
        Assert.Equal(10, wait.Waited);
        Assert.Equal(10, idle.Waits);
        Assert.Equal(7, wait.LastTimeout);

        idle.Busy();
        for (int i = 0; i < IdleBackoff.SleepAfter - 1; i++) idle.Empty();
        Assert.Equal(10, wait.Waited);
    }

    [Fact]
    public void After_an_interrupt_woke_it_the_worker_sleeps_short_again_before_the_next_wait()
    {
        // The packet behind an interrupt may not be visible to the very next poll (net_tap reads
        // only after its SIGIO handler ran): waiting again at once would sleep to the timeout.
        var wait = new FakeRxWait(woken: 1);
        var idle = new IdleBackoff(IdleMode.Interrupt, wait, waitMilliseconds: 7);
        idle.Start();
        for (int i = 0; i < IdleBackoff.SleepAfter - 1; i++) idle.Empty();
        for (int i = 0; i < 7; i++) idle.Empty(); // 6 short sleeps (4 .. 128 us), then the first wait
        Assert.Equal((6, 1), (idle.Sleeps, wait.Waited));
        for (int i = 0; i < 6; i++) idle.Empty(); // woken: the short sleeps again, no wait among them
        Assert.Equal((12, 1), (idle.Sleeps, wait.Waited));
        idle.Empty(); // the sleeps reached the longest again: the next wait
        Assert.Equal((12, 2), (idle.Sleeps, wait.Waited));
    }

    [Fact]
    public void Interrupt_sleeps_instead_without_a_wait_when_attaching_fails_or_when_a_wait_fails()
    {
        Assert.Equal(IdleMode.Sleep, new IdleBackoff(IdleMode.Interrupt).Mode); // no wait (the in-memory I/O, the OS backends)

        var refused = new FakeRxWait(attaches: false);
        var idle = new IdleBackoff(IdleMode.Interrupt, refused);
        idle.Start();
        Assert.Equal(IdleMode.Sleep, idle.Mode);
        for (int i = 0; i < IdleBackoff.SleepAfter + 3; i++) idle.Empty();
        Assert.Equal(0, refused.Waited);
        Assert.True(idle.Sleeps > 0);

        var failing = new FakeRxWait(failAfter: 2);
        idle = new IdleBackoff(IdleMode.Interrupt, failing);
        idle.Start();
        for (int i = 0; i < IdleBackoff.SleepAfter + 10; i++) idle.Empty();
        Assert.Equal(3, failing.Waited); // six short sleeps, two waits, the failing third, then sleeps only
        Assert.Equal(2, idle.Waits);
        Assert.Equal(IdleMode.Sleep, idle.Mode);
        Assert.Equal(9, idle.Sleeps); // of 11 back-offs: 6 before the waits, 3 after the failure
    }

    [Fact]
    public void Waiting_allocates_nothing()
    {
        long allocated = -1;
        var wait = new FakeRxWait();
        var thread = new Thread(() =>
        {
            var idle = new IdleBackoff(IdleMode.Interrupt, wait);
            idle.Start();
            for (int i = 0; i < IdleBackoff.SleepAfter + 5; i++) idle.Empty();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) idle.Empty();
            idle.Busy();
            for (int i = 0; i < IdleBackoff.SleepAfter + 50; i++) idle.Empty();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(0, allocated);
        Assert.True(wait.Waited >= 1000, $"waited {wait.Waited} times");
    }
}
