using System.Diagnostics;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// One worker thread of an OS backend: owns one socket (and, on io_uring, one ring), its own
/// <see cref="WorkerCounters"/>, and runs set-up, loop and drain on its own thread — set-up too,
/// because a ring created with <c>SINGLE_ISSUER</c> may only be driven by the thread that made it.
/// </summary>
/// <remarks>
/// The loop is the derived class's, generic over the app struct so the JIT specializes it; the
/// one virtual call here is per run, not per packet.
/// </remarks>
internal abstract class OsWorker : IDisposable
{
    private readonly ManualResetEventSlim _started = new();
    private Thread? _thread;
    private Exception? _setupError;

    protected OsWorker(int index, int fd, OsBackendOptions options, QuitFlag stop)
    {
        Index = index;
        Fd = fd;
        Options = options;
        Stop = stop;
        Counters = new WorkerCounters(index);
        Spin = new ReceiveSpin(options.SpinMicroseconds, Libc.ThreadInvoluntarySwitches);
    }

    /// <summary>Spin or block when out of datagrams (the loop's own state; a field, so the loop calls it by reference).</summary>
    protected ReceiveSpin Spin;

    /// <summary>Datagrams picked up by a spin (no wake-up), spins that ran out, and backoffs: xstats <c>spin_hits</c>, <c>spin_misses</c>, <c>spin_backoffs</c>.</summary>
    public (long Hits, long Misses, long Backoffs) SpinCounts => (Spin.Hits, Spin.Misses, Spin.Backoffs);

    public int Index { get; }

    /// <summary>The address the socket is bound to: every datagram's <see cref="Apps.DatagramPeer.Local"/>.</summary>
    public Apps.UdpEndpoint Local { get; set; }
    public WorkerCounters Counters { get; }

    /// <summary>The worker's socket (owned: closed on dispose).</summary>
    protected int Fd { get; }
    protected OsBackendOptions Options { get; }
    protected QuitFlag Stop { get; }

    /// <summary>An error that ended the loop early (null when it ran to the stop request).</summary>
    public string? Failure { get; protected set; }

    /// <summary>Starts the thread and waits until its set-up succeeded; rethrows set-up errors.</summary>
    public void Start(string threadName)
    {
        _thread = new Thread(ThreadMain) { Name = threadName, IsBackground = true };
        _thread.Start();
        _started.Wait();
        if (_setupError is not null)
        {
            _thread.Join();
            throw _setupError;
        }
    }

    public void Join() => _thread?.Join();

    public bool Join(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    private void ThreadMain()
    {
        try
        {
            if (Options.PinCpus) Pin(Index % Environment.ProcessorCount);
            Spin.Begin(); // this thread's baseline for the spin's backoff
            SetUp();
        }
        catch (Exception e)
        {
            _setupError = e;
            TearDown();
            _started.Set();
            return;
        }
        _started.Set();
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            RunLoop();
            // Written once, after the drain: 0 shows the steady state allocated nothing.
            Counters.LoopAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        catch (Exception e)
        {
            // The loop itself never throws; this is a bug, and the appliance must not go on
            // half-serving with a dead worker.
            Environment.FailFast($"OS worker {Index} loop threw", e);
        }
        finally
        {
            TearDown();
        }
    }

    /// <summary>Creates the per-thread resources (ring, buffers); throws <see cref="OsBackendException"/>.</summary>
    protected abstract void SetUp();

    /// <summary>Serves until <see cref="Stop"/> is requested, then drains what is in flight.</summary>
    protected abstract void RunLoop();

    /// <summary>Frees the per-thread resources; must tolerate a partial <see cref="SetUp"/>.</summary>
    protected abstract void TearDown();

    private static unsafe void Pin(int cpu)
    {
        // cpu_set_t is 1024 bits; 16 longs.
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] |= 1UL << (cpu % 64);
        if (Libc.SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0)
            throw new OsBackendException($"sched_setaffinity(cpu {cpu}) failed: {Libc.StrError(Libc.LastErrno)}");
    }

    public void Dispose()
    {
        Libc.Close(Fd);
        _started.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Milliseconds from a <see cref="Stopwatch"/> timestamp, for drain deadlines.</summary>
    protected static long ElapsedMs(long since) => (long)Stopwatch.GetElapsedTime(since).TotalMilliseconds;
}
