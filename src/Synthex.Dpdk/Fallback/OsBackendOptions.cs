using System.Net;

namespace Synthex.Dpdk.Fallback;

/// <summary>Settings of the OS backends (io_uring and sockets), validated by the caller.</summary>
public sealed record OsBackendOptions
{
    /// <summary>Address every worker's socket binds to (port 0: an ephemeral port, for tests).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>Worker threads, each with its own socket (and ring); at least 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Pin worker <c>i</c> to CPU <c>i mod CPUs</c>.</summary>
    public bool PinCpus { get; init; }

    /// <summary>
    /// io_uring: provided buffers per worker, a power of two. 2048 × 2 KiB = 4 MiB per worker:
    /// enough to keep receiving through a few milliseconds of replies in flight.
    /// </summary>
    public int BufferCount { get; init; } = 2048;

    /// <summary>
    /// Bytes per buffer, including the 72-byte receive header (recvmsg_out, peer address, control
    /// message); the payload room is 1976 bytes at 2048, enough for a 1500-byte MTU datagram.
    /// Larger datagrams are dropped as <c>truncated_datagram</c>.
    /// </summary>
    public int BufferSize { get; init; } = 2048;

    /// <summary>
    /// SO_RCVBUF/SO_SNDBUF asked for each socket (the kernel doubles it and caps it at
    /// <c>net.core.rmem_max</c>/<c>wmem_max</c>): the queue that absorbs a burst while buffers are
    /// busy. 4 MiB holds about four thousand small datagrams.
    /// </summary>
    public int SocketBufferBytes { get; init; } = 4 << 20;

    /// <summary>
    /// io_uring: send replies with SENDMSG_ZC. Off by default: measured, it does not pay for
    /// datagrams this backend carries (docs/BENCHMARKS.md, "OS fallback").
    /// </summary>
    public bool SendZeroCopy { get; init; }

    /// <summary>
    /// Microseconds a worker that ran out of datagrams spins before it blocks, only while traffic
    /// flows (the last gap was shorter than this; <see cref="ReceiveSpin"/>); 0 never spins.
    /// </summary>
    public int SpinMicroseconds { get; init; } = Runtime.RunSettings.DefaultSpinMicroseconds;

    /// <summary>Socket backend: datagrams per recvmmsg/sendmmsg call.</summary>
    public int Batch { get; init; } = 64;
}
