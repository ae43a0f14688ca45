using System.Net;
using Synthex.Dpdk.Fallback.IoUring;
using Synthex.Dpdk.Fallback.Sockets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// A running OS backend: <see cref="OsBackendOptions.Workers"/> threads, each serving
/// its own <c>SO_REUSEPORT</c> socket with its own copy of the app. The control thread starts
/// it, reads the workers' counters while it runs, and stops it; stopping drains what is in
/// flight so the counters balance (<c>rx = replied + absorbed + dropped</c>, <c>tx = replied + originated</c>).
/// </summary>
public sealed class OsServer : IDisposable
{
    private readonly OsWorker[] _workers;
    private readonly QuitFlag _stop;
    private bool _disposed;

    private OsServer(OsBackendKind kind, OsWorker[] workers, QuitFlag stop, IPEndPoint bound, string detail)
    {
        Kind = kind;
        _workers = workers;
        _stop = stop;
        LocalEndPoint = bound;
        Detail = detail;
        Counters = workers.Select(w => w.Counters).ToArray();
    }

    public OsBackendKind Kind { get; }

    /// <summary>The address the sockets are bound to (the real port when asked for port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>How the backend runs, for logs: setup mode, buffers, batch.</summary>
    public string Detail { get; }

    internal IReadOnlyList<OsWorker> Workers => _workers;

    /// <summary>How often io_uring receives ran out of buffers and were re-armed, over all workers.</summary>
    public long NoBufferStalls => _workers.Sum(w => w is IoUring.IIoUringStats s ? s.NoBufferStalls : 0);

    public IReadOnlyList<WorkerCounters> Counters { get; }

    /// <summary>The receive spin's counts over all workers (<see cref="OsWorker.SpinCounts"/>).</summary>
    public (long Hits, long Misses, long Backoffs) SpinCounts
    {
        get
        {
            long h = 0, m = 0, b = 0;
            foreach (var w in _workers) { var c = w.SpinCounts; h += c.Hits; m += c.Misses; b += c.Backoffs; }
            return (h, m, b);
        }
    }

    /// <summary>
    /// Opens the sockets and starts the workers serving <paramref name="app"/> (each gets a copy).
    /// Throws <see cref="OsBackendException"/> when a socket, ring or buffer cannot be set up.
    /// For <see cref="OsBackendKind.IoUring"/> the caller has checked <see cref="IoUringSupport.Probe"/>.
    /// </summary>
    public static OsServer Start<TApp>(OsBackendKind kind, OsBackendOptions options, TApp app)
        where TApp : struct, IDatagramApp
    {
        if (options.Workers < 1) throw new ArgumentOutOfRangeException(nameof(options), "at least one worker");
        IoUringSupport? support = null;
        if (kind == OsBackendKind.IoUring)
        {
            support = IoUringSupport.Probe();
            if (!support.Usable) throw new OsBackendException(support.Reason);
            if (options.SendZeroCopy && !support.SendZeroCopy)
                throw new OsBackendException("IORING_OP_SENDMSG_ZC is not supported by this kernel (Linux 6.1+)");
        }

        int[] fds = UdpSocket.OpenGroup(options.Listen, options.Workers, options.SocketBufferBytes, out var bound);
        var stop = new QuitFlag();
        var workers = new OsWorker[fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            workers[i] = kind == OsBackendKind.IoUring
                ? new IoUringWorker<TApp>(i, fds[i], options, stop, app, support!.SetupFlags)
                : new SocketWorker<TApp>(i, fds[i], options, stop, app);
            workers[i].Local = SockAddr.ToEndpoint(bound);
        }
        int started = 0;
        try
        {
            for (; started < workers.Length; started++)
                workers[started].Start($"synthex-{(kind == OsBackendKind.IoUring ? "uring" : "sock")}-{started}");
        }
        catch
        {
            stop.Request("stop");
            for (int i = 0; i < started; i++) workers[i].Join();
            foreach (var w in workers) w.Dispose();
            throw;
        }

        string detail = kind == OsBackendKind.IoUring
            ? $"io_uring {support!.SetupMode}, multishot RECVMSG, {options.BufferCount}×{options.BufferSize} B provided buffers per worker"
            : $"recvmmsg/sendmmsg, batch {options.Batch}";
        return new OsServer(kind, workers, stop, bound, detail);
    }

    /// <summary>Asks the workers to drain and stop (returns at once).</summary>
    public void RequestStop() => _stop.Request("stop");

    /// <summary>Requests a stop and waits for every worker to finish draining.</summary>
    public void Stop()
    {
        _stop.Request("stop");
        foreach (var w in _workers) w.Join();
    }

    /// <summary>The first worker failure, or null when all ran until the stop request.</summary>
    public string? Failure => _workers.Select(w => w.Failure).FirstOrDefault(f => f is not null);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stop();
        foreach (var w in _workers) w.Dispose();
        _stop.Dispose();
    }
}
