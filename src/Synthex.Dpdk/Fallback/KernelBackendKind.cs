namespace Synthex.Dpdk.Fallback;

/// <summary>The kernel backends, best first.</summary>
public enum KernelBackendKind
{
    /// <summary>io_uring: multishot receive into provided buffers, batched sends (<c>io-uring</c>).</summary>
    IoUring,
    /// <summary>recvmmsg/sendmmsg (<c>socket</c>).</summary>
    Socket,
}
