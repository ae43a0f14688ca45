using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;
using static Synthex.Dpdk.Interop.Constants;

namespace Synthex.Dpdk.Smoke;

/// <summary>
/// EAL, one mbuf pool and one started net_null port, in DPDK's own order (l2fwd's): EAL init →
/// mempool → configure → adjust descriptors → queue setup on the port's socket → start; and back:
/// stop → close → free the pool → rte_eal_cleanup. Every failing step names itself and
/// rte_strerror(rte_errno).
/// </summary>
internal sealed unsafe class NullPortSession : IDisposable
{
    public const ushort Burst = 32;
    private const uint PoolSize = 4095;      // 2^n - 1: the ring under the mempool holds 2^n - 1 objects
    private const uint PoolCache = 256;

    public ushort Port { get; }
    public rte_mempool* Pool { get; }
    public ushort PortCount { get; }
    public string Driver { get; }
    private bool _started, _disposed;

    public NullPortSession(EalArguments eal, string portName)
    {
        // The C# view of every record must match the library before any of them is read.
        Step("layout check", () => LayoutCheck.Verify());

        if (Eal.rte_eal_init(eal.Argc, eal.Argv) < 0)
            throw Failed("rte_eal_init");

        PortCount = Ethdev.rte_eth_dev_count_avail();
        if (PortCount == 0)
            throw new SmokeFailure("rte_eth_dev_count_avail", "no port: is the net_null PMD installed (dpdk's pmds-23 directory)?");

        ushort port;
        var name = Marshal.StringToCoTaskMemUTF8(portName);
        try
        {
            if (Ethdev.rte_eth_dev_get_port_by_name((sbyte*)name, &port) != 0)
                throw new SmokeFailure("rte_eth_dev_get_port_by_name", $"no port named {portName}");
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
        Port = port;

        rte_eth_dev_info info;
        Check("rte_eth_dev_info_get", Ethdev.rte_eth_dev_info_get(port, &info));
        Driver = Marshal.PtrToStringUTF8((nint)info.driver_name) ?? "";

        var socket = Ethdev.rte_eth_dev_socket_id(port);
        var poolName = Marshal.StringToCoTaskMemUTF8("smoke_pool");
        try
        {
            Pool = Mbuf.rte_pktmbuf_pool_create((sbyte*)poolName, PoolSize, PoolCache, 0, (ushort)RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        }
        finally
        {
            Marshal.FreeCoTaskMem(poolName);
        }
        if (Pool is null)
            throw Failed("rte_pktmbuf_pool_create");

        var conf = default(rte_eth_conf);
        Check("rte_eth_dev_configure", Ethdev.rte_eth_dev_configure(port, 1, 1, &conf));
        ushort rxDescriptors = 1024, txDescriptors = 1024;
        Check("rte_eth_dev_adjust_nb_rx_tx_desc", Ethdev.rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxDescriptors, &txDescriptors));
        Check("rte_eth_rx_queue_setup", Ethdev.rte_eth_rx_queue_setup(port, 0, rxDescriptors, (uint)socket, null, Pool));
        Check("rte_eth_tx_queue_setup", Ethdev.rte_eth_tx_queue_setup(port, 0, txDescriptors, (uint)socket, null));
        Check("rte_eth_dev_start", Ethdev.rte_eth_dev_start(port));
        _started = true;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_started)
            Check("rte_eth_dev_stop", Ethdev.rte_eth_dev_stop(Port));
        Check("rte_eth_dev_close", Ethdev.rte_eth_dev_close(Port));
        Mempool.rte_mempool_free(Pool);
        Check("rte_eal_cleanup", Eal.rte_eal_cleanup());
    }

    /// <summary>A DPDK call that returns 0 or a negative errno.</summary>
    public static void Check(string step, int result)
    {
        if (result < 0)
            throw new SmokeFailure(step, $"{Strerror(-result)} (returned {result})");
    }

    /// <summary>For calls that report through rte_errno (NULL or -1 returns).</summary>
    public static SmokeFailure Failed(string step)
    {
        var errno = Shim.sx_errno();
        return new SmokeFailure(step, $"{Strerror(errno)} (rte_errno {errno})");
    }

    private static void Step(string step, Action action)
    {
        try { action(); }
        catch (Exception e) when (e is not SmokeFailure) { throw new SmokeFailure(step, e.Message); }
    }

    public static string Strerror(int errno) => Marshal.PtrToStringUTF8((nint)Eal.rte_strerror(errno)) ?? $"errno {errno}";
}
