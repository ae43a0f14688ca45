using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Runtime.Dpdk;

namespace Synthex.Dpdk.Smoke;

/// <summary>
/// EAL, one mbuf pool and one started net_null port, brought up by the runtime's own types
/// (<see cref="EalSession"/>, <see cref="DpdkPort"/>, <see cref="MbufPools"/>) in their order:
/// EAL init → port → mempool → configure → adjust descriptors → queue setup → start; and back:
/// stop → close → free the pool → rte_eal_cleanup. The smoke run thus proves the bring-up synthex
/// uses, not a copy of it; what it adds is reading the burst through the generated rte_mbuf.
/// Every failing step names itself, with the runtime's message (rte_strerror and a hint).
/// </summary>
internal sealed unsafe class NullPortSession : IDisposable
{
    public const ushort Burst = 32;
    private const uint PoolSize = 4095;      // 2^n - 1: the ring under the mempool holds 2^n - 1 objects

    private readonly EalSession _eal;
    private readonly MbufPools _pools = new();
    private readonly DpdkPort _port;
    private bool _disposed;

    public ushort Port => _port.Id;
    public rte_mempool* Pool { get; }
    public ushort PortCount { get; }
    public string Driver { get; }

    public NullPortSession(IReadOnlyList<string> ealArgs, string portName)
    {
        string step = "layout check";
        try
        {
            // The C# view of every record must match the library before any of them is read.
            LayoutCheck.Verify();
            step = "rte_eal_init";
            _eal = EalSession.Init(ealArgs);
            step = "rte_eth_dev_count_avail";
            var ports = DpdkPort.Enumerate();
            PortCount = (ushort)ports.Count;
            if (PortCount == 0)
                throw new SmokeFailure(step, "no port: is the net_null PMD installed (dpdk's pmds-23 directory)?");
            _port = ports.FirstOrDefault(p => p.Name == portName)
                ?? throw new SmokeFailure("rte_eth_dev_get_port_by_name", $"no port named {portName}");

            step = "rte_eth_dev_info_get";
            rte_eth_dev_info info;
            DpdkError.Check(Ethdev.rte_eth_dev_info_get(_port.Id, &info), step, portName);
            Driver = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)info.driver_name) ?? "";

            step = "rte_pktmbuf_pool_create";
            Pool = _pools.Create(_port.Socket, PoolSize);
            step = "rte_eth_dev_configure";
            _port.Configure(rxQueues: 1, txQueues: 1, rxDescriptors: 1024, txDescriptors: 1024, fastFree: false);
            step = "rte_eth_rx_queue_setup";
            _port.SetupQueues(Pool);
            step = "rte_eth_dev_start";
            _port.Start(promiscuous: false);
        }
        catch (Exception e) when (e is EnvironmentException or ConfigurationException or LayoutMismatchException)
        {
            throw new SmokeFailure(step, e.Message);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _port.Dispose();
        _pools.Dispose();
        _eal.Dispose();
    }

    /// <summary>A DPDK call that returns 0 or a negative errno.</summary>
    public static void Check(string step, int result)
    {
        if (result < 0)
            throw new SmokeFailure(step, $"{DpdkError.StrError(result)} (returned {result})");
    }
}
