namespace Synthex.Dpdk.Pipeline;

/// <summary>What a DPDK worker does when its queues stay empty (<c>--idle</c>).</summary>
public enum IdleMode
{
    /// <summary>Poll flat out, as testpmd and l2fwd do: lowest latency, a whole core at 100% even with no traffic.</summary>
    Busy,
    /// <summary>After a run of empty polls, spin with the CPU's pause instruction between polls: same CPU time, less power and less pressure on a sibling hyperthread.</summary>
    Pause,
    /// <summary>Pause, then short sleeps that grow while nothing comes (up to <see cref="IdleBackoff.MaxSleepMicroseconds"/>); full polling again from the first packet.</summary>
    Sleep,
    /// <summary>
    /// Pause, then sleep in epoll on the ports' RX interrupts (DPDK's l3fwd-power), woken by the
    /// first packet or after a bounded timeout; where a port's driver has no RX interrupts
    /// (net_null, net_ring, net_pcap, memif) the worker sleeps as in <see cref="Sleep"/>.
    /// </summary>
    Interrupt,
}
