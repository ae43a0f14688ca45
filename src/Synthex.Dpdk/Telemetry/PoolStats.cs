namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// One mbuf pool as it stands when read: how many of its <paramref name="Capacity"/> buffers are
/// out of it (in RX rings, in a worker's burst, waiting in TX rings, in lcore caches counted as
/// free). Read at collection time only (<c>rte_mempool_in_use_count</c>), never by a worker.
/// </summary>
public sealed record PoolStats(string Name, long InUse, long Capacity);
