namespace Synthex.Dpdk.Pipeline;

/// <summary>An RX queue a worker owns.</summary>
public readonly record struct RxQueueRef(ushort Port, ushort Queue);
