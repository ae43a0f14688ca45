namespace Synthex.Dpdk.Fallback;

/// <summary>The OS backends, best first.</summary>
public enum OsBackendKind
{
    /// <summary>io_uring: multishot receive into provided buffers, batched sends (<c>io-uring</c>).</summary>
    IoUring,
    /// <summary>recvmmsg/sendmmsg (<c>socket</c>).</summary>
    Socket,
}
