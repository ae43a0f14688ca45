using Synthex.Dpdk.Fallback.Interop;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// The layout of one receive buffer, the same on both OS backends:
/// <code>
///  0        16           48              72                         BufferSize
///  | header | peer name  | control msg   | payload ...               |
///  | (16 B) | (32 B)     | (24 B)        | (BufferSize - 72 B)       |
/// </code>
/// The header is io_uring's <c>io_uring_recvmsg_out</c> (the socket backend leaves it unused);
/// the name is the sender's sockaddr, used as the destination of the reply; the control message
/// carries <c>SO_RXQ_OVFL</c>, the socket's running count of datagrams the kernel dropped.
/// </summary>
internal static class ReceiveLayout
{
    public const int HeaderSize = 16;
    public const int NameOffset = HeaderSize;
    public const int ControlOffset = NameOffset + SocketConst.NameSpace;
    public const int PayloadOffset = ControlOffset + SocketConst.ControlSpace;

    /// <summary>
    /// Reads the <c>SO_RXQ_OVFL</c> drop count from a control area of <paramref name="controlLen"/>
    /// bytes; returns false when there is none (the kernel sends it only once it is non-zero).
    /// </summary>
    public static unsafe bool TryReadKernelDrops(byte* control, nuint controlLen, out uint drops)
    {
        if (controlLen >= SocketConst.CmsgHeader + sizeof(uint)
            && *(int*)(control + 8) == SocketConst.SOL_SOCKET
            && *(int*)(control + 12) == SocketConst.SO_RXQ_OVFL)
        {
            drops = *(uint*)(control + SocketConst.CmsgHeader);
            return true;
        }
        drops = 0;
        return false;
    }
}
