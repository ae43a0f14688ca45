using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// <see cref="IRxWait"/> over ethdev RX interrupts, DPDK's examples/l3fwd-power: each queue's
/// interrupt is added to the worker thread's epoll instance once (<see cref="Attach"/>); a wait
/// is one shim call (enable, re-check, <c>rte_epoll_wait</c>, disable). The ports must have
/// been configured with <c>intr_conf.rxq = 1</c> and found to support it
/// (<see cref="DpdkPort.RxInterruptSupport"/>).
/// </summary>
internal sealed unsafe class DpdkRxWait : IRxWait
{
    private readonly RxQueueRef[] _queues;
    private readonly int _lcore;
    private readonly TextWriter _log;
    // On the pinned heap: their addresses go to the shim at every wait, with no fixed block.
    private readonly ushort[] _ports;
    private readonly ushort[] _queueIds;

    public DpdkRxWait(RxQueueRef[] queues, int lcore, TextWriter log)
    {
        _queues = queues;
        _lcore = lcore;
        _log = log;
        _ports = GC.AllocateArray<ushort>(queues.Length, pinned: true);
        _queueIds = GC.AllocateArray<ushort>(queues.Length, pinned: true);
        for (int i = 0; i < queues.Length; i++) (_ports[i], _queueIds[i]) = (queues[i].Port, queues[i].Queue);
    }

    public bool Attach()
    {
        foreach (var q in _queues)
        {
            int rc = RxInterrupts.Register(q.Port, q.Queue);
            if (rc < 0)
            {
                _log.WriteLine($"synthex: lcore {_lcore}: --idle interrupt: rte_eth_dev_rx_intr_ctl_q(port {q.Port}, queue {q.Queue}) failed: " +
                               $"{DpdkError.StrError(rc)}; this worker sleeps instead (--idle sleep)");
                return false;
            }
        }
        return true;
    }

    public int Wait(int timeoutMilliseconds)
    {
        int rc;
        fixed (ushort* ports = _ports, queues = _queueIds) // pinned already: no cost beyond taking the address
            rc = RxInterrupts.Wait(ports, queues, (ushort)_ports.Length, timeoutMilliseconds);
        if (rc >= 0) return rc;
        _log.WriteLine($"synthex: lcore {_lcore}: --idle interrupt: rte_eth_dev_rx_intr_enable failed: {DpdkError.StrError(rc)}; this worker sleeps instead (--idle sleep)");
        return -1;
    }
}
