namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>io_uring-specific worker statistics, read by the control thread (not per packet).</summary>
internal interface IIoUringStats
{
    /// <summary>How often the multishot receive ended with ENOBUFS (ring empty) and was re-armed.</summary>
    long NoBufferStalls { get; }
}
