using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// One mbuf pool per NUMA socket that has ports, sized like testpmd's: every descriptor of every
/// queue on the socket can hold an mbuf, plus each lcore's mempool cache, plus the bursts in
/// flight in the workers (RX array and one TX buffer per port).
/// </summary>
internal sealed unsafe class MbufPools : IDisposable
{
    /// <summary>Per-lcore mempool cache (testpmd's default is 250; 256 keeps it a power of two).</summary>
    public const uint CacheSize = 256;

    /// <summary>The smallest pool <see cref="SizeFor"/> gives.</summary>
    public const uint MinimumDefaultSize = 8191;

    private readonly Dictionary<string, nint> _bySocket = [];

    public static uint SizeFor(IEnumerable<DpdkPort> ports, int lcores, int burst)
    {
        long n = 0;
        int count = 0;
        foreach (var p in ports)
        {
            n += (long)p.RxQueues * p.RxDescriptors + (long)p.TxQueues * p.TxDescriptors;
            count++;
        }
        n += (long)lcores * CacheSize + (long)lcores * burst * (count + 2);
        // Mempools are most memory-efficient at 2^k - 1 elements.
        uint size = 1;
        while (size - 1 < n) size <<= 1;
        return Math.Max(size - 1, MinimumDefaultSize);
    }

    /// <summary>
    /// The data room of an mbuf that holds a whole frame of <paramref name="mtu"/> (Ethernet
    /// header and two VLAN tags on top of the IP packet) after the headroom: DPDK's default
    /// 2048 + 128 up to a 1500-byte MTU, larger for jumbo frames, so a frame is never chained.
    /// </summary>
    public static ushort DataRoomFor(int mtu)
        => (ushort)Math.Max(Constants.RTE_MBUF_DEFAULT_BUF_SIZE, Constants.RTE_PKTMBUF_HEADROOM + mtu + 14 + 8);

    /// <summary>Creates the RX pool of <paramref name="socket"/>.</summary>
    public rte_mempool* Create(int socket, uint size, ushort dataRoom = (ushort)Constants.RTE_MBUF_DEFAULT_BUF_SIZE)
        => Create($"sx_mbuf_s{socket}", socket, size, dataRoom);

    /// <summary>
    /// Creates the pool originated packets come from: a service's own, apart from the RX pools,
    /// so packets it builds can never starve receive (nor receive starve them).
    /// </summary>
    public rte_mempool* CreateOrigin(int socket, uint size, ushort dataRoom)
    {
        var pool = Create($"sx_origin_s{socket}", socket, size, dataRoom);
        Origin = (nint)pool;
        return pool;
    }

    /// <summary>The origin pool (0 when none was created); also in <see cref="All"/>.</summary>
    public nint Origin { get; private set; }

    private rte_mempool* Create(string poolName, int socket, uint size, ushort dataRoom)
    {
        var name = Marshal.StringToCoTaskMemUTF8(poolName);
        try
        {
            // A pool below the default size (only --mbufs asks for one) gets no lcore caches: DPDK
            // refuses a cache above size / 1.5, and mbufs parked in caches would blur exhaustion.
            uint cache = size >= MinimumDefaultSize ? CacheSize : 0;
            var pool = Mbuf.rte_pktmbuf_pool_create((sbyte*)name, size, cache, 0, dataRoom, socket);
            if (pool is null)
            {
                int errno = DpdkError.RteErrno;
                throw new EnvironmentException(
                    $"rte_pktmbuf_pool_create({size} mbufs on socket {socket}) failed: {DpdkError.StrError(errno)} ({errno})" +
                    (errno == Errno.ENOMEM ? $"; no free hugepages for {size} x {dataRoom} bytes: run ./hugepages-setup.sh, or add --no-huge to the EAL arguments" : DpdkError.Hint(errno, "rte_pktmbuf_pool_create")));
            }
            _bySocket[poolName] = (nint)pool;
            return pool;
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }

    /// <summary>The RX pools by socket.</summary>
    public IEnumerable<(int Socket, nint Pool)> All => _bySocket.Where(kv => kv.Key.StartsWith("sx_mbuf_s", StringComparison.Ordinal))
        .Select(kv => (int.Parse(kv.Key["sx_mbuf_s".Length..], System.Globalization.CultureInfo.InvariantCulture), kv.Value));

    /// <summary>Mbufs out of their pools (in rings, workers or in flight); 0 after a clean stop.</summary>
    public long InUse()
    {
        long n = 0;
        foreach (var pool in _bySocket.Values) n += Mempool.rte_mempool_in_use_count((rte_mempool*)pool);
        return n;
    }

    /// <summary>Every pool by name (RX pools per socket, the origin pool), read now; empty once disposed.</summary>
    public IReadOnlyList<Telemetry.PoolStats> Read()
    {
        // Readers (telemetry's thread, the control thread) against Dispose: never a freed pool.
        lock (_bySocket)
        {
            var result = new List<Telemetry.PoolStats>(_bySocket.Count);
            foreach (var (name, pool) in _bySocket)
                result.Add(new Telemetry.PoolStats(name, Mempool.rte_mempool_in_use_count((rte_mempool*)pool), ((rte_mempool*)pool)->size));
            return result;
        }
    }

    public long Capacity()
    {
        long n = 0;
        foreach (var pool in _bySocket.Values) n += ((rte_mempool*)pool)->size;
        return n;
    }

    public void Dispose()
    {
        lock (_bySocket)
        {
            foreach (var pool in _bySocket.Values) Mempool.rte_mempool_free((rte_mempool*)pool);
            _bySocket.Clear();
        }
    }
}
