namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The blocking wait of <see cref="IdleMode.Interrupt"/> over one worker's RX queues: the
/// driver's RX interrupts, as DPDK's examples/l3fwd-power uses them. Called only from the
/// idle back-off (after a long run of empty polls), never per packet or burst, so an interface
/// call costs nothing that matters here.
/// </summary>
public interface IRxWait
{
    /// <summary>
    /// Once, on the worker thread, before it polls (the wait uses that thread's own epoll
    /// instance). False when the queues' interrupts cannot be used: the worker sleeps instead,
    /// and the implementation has logged why, once.
    /// </summary>
    bool Attach();

    /// <summary>
    /// Blocks until a packet may have come to the worker's queues or
    /// <paramref name="timeoutMilliseconds"/> passed. Returns how many interrupts woke it (0: the
    /// timeout passed), or −1 when the wait failed: the worker sleeps from then on, and the
    /// implementation has logged why, once.
    /// </summary>
    int Wait(int timeoutMilliseconds);
}
