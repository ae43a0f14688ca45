using System.Net;
using System.Net.Sockets;

namespace Synthex.Load.Transport;

/// <summary>
/// The same batch through <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags, out SocketError)"/>
/// and Receive, one system call per datagram: the portable baseline that
/// <see cref="MmsgTransport"/> is measured against (<c>--io socket</c>).
/// </summary>
internal struct SocketApiTransport : IDatagramTransport
{
    private readonly Socket _socket;

    public SocketApiTransport(IPEndPoint target) => _socket = UdpEndpoint.Connect(target);

    public readonly int Send(DatagramBatch batch, int start, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _socket.Send(batch.Request(start + i)[..batch.RequestLength(start + i)], SocketFlags.None, out var error);
            if (error == SocketError.Success) continue;
            if (error is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable or SocketError.Interrupted) return i;
            return i > 0 ? i : -ToErrno(error);
        }
        return count;
    }

    public readonly int Receive(DatagramBatch batch)
    {
        for (int i = 0; i < batch.Capacity; i++)
        {
            var slot = batch.ReceiveSlot(i);
            int n = _socket.Receive(slot, SocketFlags.None, out var error);
            if (error == SocketError.Success) { batch.SetAnswer(i, n, truncated: n >= slot.Length); continue; }
            if (error == SocketError.MessageSize) { batch.SetAnswer(i, slot.Length, truncated: true); continue; }
            if (error is SocketError.WouldBlock or SocketError.Interrupted) return i;
            return i > 0 ? i : -ToErrno(error);
        }
        return batch.Capacity;
    }

    public readonly void WaitReadable(long timeoutNs) => Poll.Readable(UdpEndpoint.Fd(_socket), timeoutNs);

    public readonly void Dispose() => _socket.Dispose();

    private static int ToErrno(SocketError error) => error == SocketError.ConnectionRefused ? Interop.ECONNREFUSED : (int)error;
}
