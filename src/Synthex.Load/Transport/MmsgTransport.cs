using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Synthex.Load.Transport;

/// <summary>
/// sendmmsg/recvmmsg on a connected socket: one system call per batch each way. The default
/// (docs/BENCHMARKS.md has the measurement against <see cref="SocketApiTransport"/>).
/// </summary>
internal unsafe struct MmsgTransport : IDatagramTransport
{
    private readonly Socket _socket;
    private readonly int _fd;

    public MmsgTransport(IPEndPoint target)
    {
        _socket = UdpEndpoint.Connect(target);
        _fd = UdpEndpoint.Fd(_socket);
    }

    public readonly int Send(DatagramBatch batch, int start, int count)
    {
        int sent = Interop.SendMMsg(_fd, batch.SendHeaders + start, (uint)count, Interop.MSG_DONTWAIT);
        if (sent >= 0) return sent;
        int errno = Marshal.GetLastPInvokeError();
        return errno is Interop.EAGAIN or Interop.ENOBUFS or Interop.EINTR ? 0 : -errno;
    }

    public readonly int Receive(DatagramBatch batch)
    {
        int received = Interop.RecvMMsg(_fd, batch.ReceiveHeaders, (uint)batch.Capacity, Interop.MSG_DONTWAIT, null);
        if (received >= 0) return received;
        int errno = Marshal.GetLastPInvokeError();
        return errno is Interop.EAGAIN or Interop.EINTR ? 0 : -errno;
    }

    public readonly void WaitReadable(long timeoutNs) => Poll.Readable(_fd, timeoutNs);

    public readonly void Dispose() => _socket.Dispose();
}

/// <summary>A sub-millisecond wait for a readable socket.</summary>
internal static unsafe class Poll
{
    public static void Readable(int fd, long timeoutNs)
    {
        var pfd = new Interop.PollFd { Fd = fd, Events = Interop.POLLIN };
        var ts = new Interop.TimeSpec { Seconds = timeoutNs / 1_000_000_000, Nanoseconds = timeoutNs % 1_000_000_000 };
        Interop.PPoll(&pfd, 1, &ts, null);
    }
}
