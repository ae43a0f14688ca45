using System.Net;
using System.Net.Sockets;
using Synthex.Dpdk.Fallback.Interop;
using static Synthex.Dpdk.Fallback.Interop.SocketConst;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// Opens the UDP sockets the OS backends serve on: one per worker, all bound to the same
/// address with <c>SO_REUSEPORT</c>, so the kernel spreads flows over the workers by a hash of
/// the 4-tuple and each worker owns its socket outright (no shared queue, no lock).
/// </summary>
internal static unsafe class UdpSocket
{
    /// <summary>
    /// Opens <paramref name="count"/> sockets on <paramref name="endpoint"/>. With port 0 the
    /// first socket gets an ephemeral port and the others join it. Throws
    /// <see cref="OsBackendException"/> naming the call and errno, or naming the port when
    /// another socket already holds it (<see cref="ProbeUnshared"/>).
    /// </summary>
    public static int[] OpenGroup(IPEndPoint endpoint, int count, int bufferBytes, out IPEndPoint bound)
    {
        if (endpoint.Port != 0) ProbeUnshared(endpoint);
        var fds = new int[count];
        int opened = 0;
        try
        {
            var ep = endpoint;
            for (; opened < count; opened++)
            {
                fds[opened] = Open(ep, bufferBytes);
                if (opened == 0) ep = LocalEndPoint(fds[0]);
            }
            bound = ep;
            return fds;
        }
        catch
        {
            for (int i = 0; i < opened; i++) Libc.Close(fds[i]);
            throw;
        }
    }

    /// <summary>
    /// Fails when another socket already holds <paramref name="endpoint"/>'s port. SO_REUSEPORT
    /// lets any socket of the same user join the port, and the kernel then spreads datagrams over
    /// all of them by flow hash: a leftover or foreign process (another synthex, a test peer) on
    /// the port silently takes some flows, so a client's datagrams are never seen here (seen
    /// once in testing: a datagram to a freshly started socket-backend synthex never arrived).
    /// A bind with neither SO_REUSEPORT nor SO_REUSEADDR succeeds only if nobody holds the port
    /// (on this address or the wildcard); the probe socket is closed at once and the workers'
    /// group binds next. A socket that binds in between is not caught: a probe, not a lock.
    /// </summary>
    private static void ProbeUnshared(IPEndPoint endpoint)
    {
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = Libc.Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0) throw Fail("socket", endpoint);
        try
        {
            if (v6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY", endpoint); // as the workers bind: IPv4 too
            byte* sa = stackalloc byte[NameSpace];
            uint len = SockAddr.Write(endpoint, sa);
            if (Libc.Bind(fd, sa, len) == 0) return;
            int errno = Libc.LastErrno;
            if (errno == Errno.EADDRINUSE)
                throw new OsBackendException(
                    $"bind on {endpoint} failed: {Libc.StrError(errno)}: UDP port {endpoint.Port} is held by another socket (another process?), "
                    + "which SO_REUSEPORT would let take some of its datagrams: stop it or choose another --listen port", errno);
            throw new OsBackendException($"bind on {endpoint} failed: {Libc.StrError(errno)}", errno);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>
    /// The socket's running count of datagrams the kernel dropped (<c>sk_drops</c>, the value
    /// <c>SO_RXQ_OVFL</c> reports), read with <c>SO_MEMINFO</c> (<c>SK_MEMINFO_DROPS</c>, index 8).
    /// </summary>
    public static unsafe bool TryReadKernelDrops(int fd, out uint drops)
    {
        const int SO_MEMINFO = 55, SK_MEMINFO_DROPS = 8, SK_MEMINFO_VARS = 9;
        uint* info = stackalloc uint[SK_MEMINFO_VARS];
        uint length = SK_MEMINFO_VARS * sizeof(uint);
        bool ok = Libc.GetSockOpt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) == 0 && length > SK_MEMINFO_DROPS * sizeof(uint);
        drops = ok ? info[SK_MEMINFO_DROPS] : 0;
        return ok;
    }

    /// <summary>Opens one bound, blocking UDP socket with SO_REUSEPORT and SO_RXQ_OVFL.</summary>
    public static int Open(IPEndPoint endpoint, int bufferBytes)
    {
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = Libc.Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0) throw Fail("socket", endpoint);
        try
        {
            SetInt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", endpoint);
            SetInt(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT", endpoint);
            // The kernel reports how many datagrams it dropped at this socket (queue full because
            // the worker had no buffer or fell behind) in a control message on the next receive:
            // that count becomes the no_buffer drop reason, so overload is visible, not silent.
            SetInt(fd, SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL", endpoint);
            // Best effort: a larger queue absorbs bursts while buffers are in flight.
            Libc.SetSockOpt(fd, SOL_SOCKET, SO_RCVBUF, &bufferBytes, sizeof(int));
            Libc.SetSockOpt(fd, SOL_SOCKET, SO_SNDBUF, &bufferBytes, sizeof(int));
            if (v6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY", endpoint); // [::] also serves IPv4

            byte* sa = stackalloc byte[NameSpace];
            uint len = SockAddr.Write(endpoint, sa);
            if (Libc.Bind(fd, sa, len) != 0) throw Fail("bind", endpoint);
            return fd;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>The address a socket is bound to.</summary>
    public static IPEndPoint LocalEndPoint(int fd)
    {
        byte* sa = stackalloc byte[128];
        uint len = 128;
        if (Libc.GetSockName(fd, sa, &len) != 0) throw Fail("getsockname", null);
        return SockAddr.Read(sa, len) ?? throw new OsBackendException("getsockname returned an unknown address family");
    }

    private static void SetInt(int fd, int level, int name, int value, string what, IPEndPoint ep)
    {
        if (Libc.SetSockOpt(fd, level, name, &value, sizeof(int)) != 0) throw Fail($"setsockopt({what})", ep);
    }

    private static OsBackendException Fail(string call, IPEndPoint? ep)
    {
        int errno = Libc.LastErrno;
        return new OsBackendException($"{call}{(ep is null ? "" : $" on {ep}")} failed: {Libc.StrError(errno)}", errno);
    }
}

/// <summary>An OS backend could not set up (socket, ring or thread); the message names the call.</summary>
public sealed class OsBackendException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}
