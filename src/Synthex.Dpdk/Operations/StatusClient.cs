using System.Net.Sockets;

namespace Synthex.Dpdk.Operations;

/// <summary>The client side of <see cref="ControlSocket"/>: connect, read the answer to the end.</summary>
public static class StatusClient
{
    /// <summary>Why an instance did not answer.</summary>
    public enum Failure { None, NotAnswering, TimedOut }

    /// <summary>Reads the status JSON from <paramref name="socketPath"/>; null with <paramref name="failure"/> set when it does not answer.</summary>
    public static byte[]? Read(string socketPath, TimeSpan timeout, out Failure failure, out string? detail)
    {
        failure = Failure.None;
        detail = null;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            using var buffer = new MemoryStream();
            var chunk = new byte[16384];
            int n;
            while ((n = socket.Receive(chunk)) > 0) buffer.Write(chunk, 0, n);
            return buffer.ToArray();
        }
        catch (SocketException e)
        {
            failure = e.SocketErrorCode == SocketError.TimedOut ? Failure.TimedOut : Failure.NotAnswering;
            detail = e.Message;
            return null;
        }
    }
}
