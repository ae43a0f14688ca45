using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// Decides whether an OS worker that has run out of datagrams spins for a short, bounded window
/// before it blocks in the kernel, and measures whether that pays: it spins only while traffic is
/// flowing, i.e. while the last gap between running out of work and the next datagram was shorter
/// than the window. An idle worker (or one fed more sparsely than the window) never spins, so idle
/// CPU stays what the blocking wait costs; a worker whose spin ran out blocks until the next
/// datagram and spins again only if that one came within the window.
/// </summary>
/// <remarks>
/// <para>Why: on a VM an idle vCPU halts, and waking it for the next datagram (an IPI, a VM exit
/// and entry) is most of a loopback round trip's server side. Blocked, synthex's io_uring worker
/// answered sockperf ping-pong at 0.92× the round trips of <c>sockperf server</c>
/// (docs/BENCHMARKS.md, "Kernel-backend round trips"); spinning while the client is busy
/// keeps the vCPU awake, so the next datagram is picked up without the wake-up.</para>
/// <para>Cost bound: a worker spins at most one window per datagram it received, and only after
/// a gap shorter than the window; CPU beyond the blocking loop's is at most
/// <c>window × datagrams/s</c>, and while ping-pong traffic flows it is one core, like any
/// poller. Single-writer state of one worker thread: a struct field of the worker.</para>
/// </remarks>
internal struct ReceiveSpin
{
    private readonly long _windowTicks; // Stopwatch ticks; 0: never spin
    private long _waitingSince;         // when the worker ran out of work; 0: it has work
    private bool _flowing;              // the last gap was within the window

    /// <param name="microseconds">The window; 0 turns spinning off.</param>
    public ReceiveSpin(int microseconds)
    {
        _windowTicks = microseconds * Stopwatch.Frequency / 1_000_000;
    }

    /// <summary>The worker has nothing to do: true when it should spin (traffic is flowing), false when it should block.</summary>
    /// <remarks>Starts the gap's clock if it is not running yet (several empty passes make one gap).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool OutOfWork()
    {
        if (_waitingSince == 0) _waitingSince = Stopwatch.GetTimestamp();
        return _flowing;
    }

    /// <summary>The end of this gap's spin window, in Stopwatch ticks.</summary>
    public readonly long Deadline => _waitingSince + _windowTicks;

    /// <summary>The spin window ran out with nothing received: block until the next datagram.</summary>
    public void Missed() => _flowing = false;

    /// <summary>Datagrams arrived: the gap since running out of work decides whether the next one is spun for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Arrived()
    {
        if (_waitingSince == 0) return; // the worker never ran out: nothing measured
        _flowing = _windowTicks > 0 && Stopwatch.GetTimestamp() - _waitingSince <= _windowTicks;
        _waitingSince = 0;
    }

    /// <summary>
    /// Spins until <paramref name="ready"/> holds or the window ends; true when it held. The clock
    /// is read every 16 pauses (a pause is tens of nanoseconds; a clock read about as much).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool SpinUntil<TReady>(ref TReady ready) where TReady : struct, ISpinCondition
    {
        long deadline = Deadline;
        for (int i = 1; ; i++)
        {
            if (ready.Holds) return true;
            if ((i & 15) == 0 && Stopwatch.GetTimestamp() >= deadline) return false;
            Thread.SpinWait(1);
        }
    }
}

/// <summary>What a <see cref="ReceiveSpin"/> waits for; a struct so the JIT inlines the check.</summary>
internal interface ISpinCondition
{
    bool Holds { get; }
}
