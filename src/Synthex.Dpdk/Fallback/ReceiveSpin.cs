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
    /// <summary>
    /// How long a worker that was taken off its CPU while spinning blocks before it spins again:
    /// on a host with more runnable threads than CPUs a spin only burns the time slice the sender
    /// needs (measured at load average 46-70 on 2 vCPUs: ping-pong fell to 0.2-0.6x of the
    /// blocking loop's round trips without this).
    /// </summary>
    private static readonly long s_backoffTicks = Stopwatch.Frequency / 10; // 100 ms

    private readonly long _windowTicks; // Stopwatch ticks; 0: never spin
    private long _waitingSince;         // when the worker ran out of work; 0: it has work
    private bool _flowing;              // the last gap was within the window
    private bool _spinning;             // this gap is being spun for
    private long _quietUntil;           // no spinning before this (contention backoff)

    /// <param name="microseconds">The window; 0 turns spinning off.</param>
    public ReceiveSpin(int microseconds)
    {
        _windowTicks = microseconds * Stopwatch.Frequency / 1_000_000;
    }

    /// <summary>The window in Stopwatch ticks.</summary>
    public readonly long WindowTicks => _windowTicks;

    /// <summary>
    /// The worker has nothing to do (at <paramref name="now"/>, Stopwatch ticks): true when it
    /// should spin (traffic is flowing and no backoff holds), false when it should block.
    /// </summary>
    /// <remarks>Starts the gap's clock if it is not running yet (several empty passes make one gap, decided once).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool OutOfWork(long now)
    {
        if (_waitingSince == 0)
        {
            _waitingSince = now;
            _spinning = _flowing && now >= _quietUntil;
        }
        return _spinning;
    }

    /// <summary>The end of this gap's spin window, in Stopwatch ticks.</summary>
    public readonly long Deadline => _waitingSince + _windowTicks;

    /// <summary>
    /// The spin window ran out with nothing received (at <paramref name="now"/>): block until the
    /// next datagram. Overshooting the window by more than a window means the worker was off its
    /// CPU: back off.
    /// </summary>
    public void Missed(long now)
    {
        if (now - _waitingSince > 2 * _windowTicks) _quietUntil = now + s_backoffTicks;
        _spinning = false;
        _flowing = false;
    }

    /// <summary>
    /// Datagrams arrived (at <paramref name="now"/>): the gap since running out of work decides
    /// whether the next one is spun for. A spin that saw its datagram only after more than two
    /// windows was off its CPU meanwhile: back off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Arrived(long now)
    {
        if (_waitingSince == 0) return; // the worker never ran out: nothing measured
        long gap = now - _waitingSince;
        if (_spinning && gap > 2 * _windowTicks) _quietUntil = now + s_backoffTicks;
        _flowing = _windowTicks > 0 && gap <= _windowTicks;
        _waitingSince = 0;
        _spinning = false;
    }

    /// <summary>
    /// Spins until <paramref name="ready"/> holds or the window ends; true when it held. The clock
    /// is read every 16 pauses (a pause is tens of nanoseconds; a clock read about as much), and
    /// every 256 the CPU is offered to another thread (<see cref="YieldNow"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool SpinUntil<TReady>(ref TReady ready) where TReady : struct, ISpinCondition
    {
        // The deadline is read before the condition: a worker that re-enters the spin within one
        // gap (after handling completions that were no datagram) must still end at the window,
        // even if the condition kept holding without bringing a datagram.
        long deadline = Deadline;
        for (int i = 0; ; i++)
        {
            if ((i & 15) == 0)
            {
                if (Stopwatch.GetTimestamp() >= deadline) return false;
                if (i != 0 && (i & 255) == 0) YieldNow();
            }
            if (ready.Holds) return true;
            Thread.SpinWait(1);
        }
    }

    /// <summary>
    /// <c>sched_yield</c>: when the sender the worker spins for runs on the same CPU (a client on a
    /// small or loaded machine), spinning would keep it from sending until the window ends; the
    /// yield lets it run. With nothing else runnable it returns at once.
    /// </summary>
    public static void YieldNow() => Thread.Yield();
}

/// <summary>What a <see cref="ReceiveSpin"/> waits for; a struct so the JIT inlines the check.</summary>
internal interface ISpinCondition
{
    bool Holds { get; }
}
