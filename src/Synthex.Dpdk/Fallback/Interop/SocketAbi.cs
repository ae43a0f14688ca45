using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Fallback.Interop;

// The socket ABI of Linux on 64-bit targets (bits/socket.h, netinet/in.h, linux/socket.h).

internal static class SocketConst
{
    public const int AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_RCVTIMEO = 20;
    public const int SO_REUSEPORT = 15, SO_RXQ_OVFL = 40;
    public const int IPV6_V6ONLY = 26;
    public const int MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_WAITFORONE = 0x10000;
    public const int SHUT_RD = 0, SHUT_RDWR = 2;

    /// <summary>
    /// Room every receive reserves for the peer address: <c>sizeof(sockaddr_in6)</c> is 28,
    /// rounded up to 32 so what follows it stays 8-byte aligned.
    /// </summary>
    public const int NameSpace = 32;

    /// <summary>
    /// Room for one <c>SO_RXQ_OVFL</c> control message: <c>CMSG_SPACE(sizeof(uint))</c> =
    /// 16-byte <c>cmsghdr</c> + 4 bytes of data rounded up to 8.
    /// </summary>
    public const int ControlSpace = 24;

    /// <summary>Size of <c>struct cmsghdr</c> (size_t len, int level, int type).</summary>
    public const int CmsgHeader = 16;
}

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Len;
}

/// <summary><c>struct msghdr</c> (56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLen;
    public IoVec* Iov;
    public nuint IovLen;
    public void* Control;
    public nuint ControlLen;
    public int Flags;
}

/// <summary><c>struct mmsghdr</c> (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Hdr;
    public uint Len;
}

/// <summary><c>struct timeval</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    public long Sec;
    public long Usec;
}
