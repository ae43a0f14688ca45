using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Interop;

/// <summary>
/// The shim's hand-written RX-interrupt calls (native/idle/sx_rx_interrupt.c), for
/// <c>--idle interrupt</c>: DPDK's examples/l3fwd-power sequence, one native call per idle wait.
/// Not generated: they compose several DPDK calls, which the generator's one-to-one re-exports
/// cannot. No <c>[SuppressGCTransition]</c>: the wait blocks in epoll.
/// </summary>
/// <remarks>Return values are DPDK's: 0 or more on success, a negative errno on failure.</remarks>
public static unsafe partial class RxInterrupts
{
    /// <summary>
    /// Whether the started port's RX queue has an interrupt to sleep on (an event file
    /// descriptor): 0 when it has, -ENOTSUP when not (net_null, net_ring, net_pcap, memif).
    /// </summary>
    [LibraryImport(Libraries.Shim, EntryPoint = "sx_rx_intr_supported")]
    public static partial int Supported(ushort port, ushort queue);

    /// <summary>Adds the queue's interrupt to the calling thread's epoll instance: once, on the worker thread that will wait.</summary>
    [LibraryImport(Libraries.Shim, EntryPoint = "sx_rx_intr_register")]
    public static partial int Register(ushort port, ushort queue);

    /// <summary>
    /// Enables the queues' interrupts, returns at once if a queue already holds packets (as far
    /// as the driver counts), else sleeps in epoll for at most <paramref name="timeoutMilliseconds"/>,
    /// then disables them. Returns the events that woke it (0: timeout or packets already there),
    /// or a negative errno when an interrupt could not be enabled.
    /// </summary>
    [LibraryImport(Libraries.Shim, EntryPoint = "sx_rx_intr_wait")]
    public static partial int Wait(ushort* ports, ushort* queues, ushort count, int timeoutMilliseconds);
}
