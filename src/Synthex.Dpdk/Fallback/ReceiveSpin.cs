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
    private long _hits;                 // spins that ended with a datagram
    private long _misses;               // spins whose window ran out
    private long _backoffs;             // backoffs started
    private readonly Func<long>? _involuntarySwitches; // the thread's ru_nivcsw; asked only when a spin overshot
    private long _lastInvoluntary;      // its value at the last ask

    /// <summary>Spins that ended with a datagram (the datagrams picked up without a wake-up). Read by the control thread: aligned longs, single writer.</summary>
    public readonly long Hits => Volatile.Read(in _hits);

    /// <summary>Spins whose window ran out: the worker blocked instead.</summary>
    public readonly long Misses => Volatile.Read(in _misses);

    /// <summary>Times the worker stopped spinning for 100 ms because another thread had taken its CPU.</summary>
    public readonly long Backoffs => Volatile.Read(in _backoffs);

    /// <param name="microseconds">The window; 0 turns spinning off.</param>
    /// <param name="involuntarySwitches">
    /// How often the worker thread has been switched out involuntarily so far
    /// (<see cref="Interop.Libc.ThreadInvoluntarySwitches"/> on the worker's own thread; tests pass
    /// their own). Asked only when a spin overshot its window, never per datagram. Null: every
    /// overshoot backs off.
    /// </param>
    public ReceiveSpin(int microseconds, Func<long>? involuntarySwitches = null)
    {
        _windowTicks = microseconds * Stopwatch.Frequency / 1_000_000;
        _involuntarySwitches = involuntarySwitches;
    }

    /// <summary>
    /// Call on the worker's thread before its loop: takes the baseline of the involuntary-switch
    /// count (and binds the call, so the loop allocates nothing when it first asks).
    /// </summary>
    public void Begin()
    {
        if (_involuntarySwitches is not null) _lastInvoluntary = _involuntarySwitches();
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

    /// <summary>
    /// The worker that decided to spin has just sent its replies (at <paramref name="now"/>): the
    /// gap, and the window, start here. A worker that sends before it runs out of work (the socket
    /// worker) need not call this.
    /// </summary>
    public void RepliesSent(long now)
    {
        if (_waitingSince != 0) _waitingSince = now;
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
        _misses++;
        if (now - _waitingSince > 2 * _windowTicks) Overshot(now);
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
        if (_spinning)
        {
            _hits++;
            if (gap > 2 * _windowTicks) Overshot(now);
        }
        _flowing = _windowTicks > 0 && gap <= _windowTicks;
        _waitingSince = 0;
        _spinning = false;
    }

    /// <summary>
    /// A spin saw the clock more than a window past its deadline: the worker was off its CPU
    /// meanwhile. Back off only if another thread of this machine took it (the thread's
    /// involuntary switches went up since the last overshoot): then spinning burns the CPU that
    /// thread, perhaps the sender, needs. An interrupt, or the hypervisor running another guest,
    /// stalls a spin without any thread here wanting the CPU; backing off for those made the
    /// worker block for 100 ms at a time while ping-pong flowed (measured with server and client
    /// at real-time priority on a loaded machine: ~3 backoffs a second, a fifth of the datagrams
    /// waiting for a wake-up).
    /// </summary>
    private void Overshot(long now)
    {
        if (_involuntarySwitches is not null)
        {
            long n = _involuntarySwitches();
            bool preempted = n != _lastInvoluntary;
            _lastInvoluntary = n;
            if (!preempted) return;
        }
        _quietUntil = now + s_backoffTicks;
        _backoffs++;
    }

    /// <summary>
    /// Polls until <paramref name="poll"/> finds something (a positive result: datagrams or
    /// completions) or fails (a negative one), or the window ends (0). Each try is a system call
    /// that looks at the socket or the ring without blocking (about a microsecond), so the clock is
    /// read after every try, and every 8 tries the CPU is offered to another thread
    /// (<see cref="YieldNow"/>). A window that ran out with nothing is not recorded here: the
    /// caller calls <see cref="Missed"/> and blocks.
    /// </summary>
    /// <remarks>
    /// Why system calls and not a user-space watch of the io_uring ring: with DEFER_TASKRUN a
    /// datagram's receive runs as task work inside the worker's own <c>io_uring_enter</c>, so
    /// an enter per try both sees and receives it, where a watch of the SQ ring's TASKRUN flag
    /// needs a pause loop and then one more enter. Measured side by side (docs/BENCHMARKS.md,
    /// "io_uring round trips, continued"): the enter per try gave more round trips, and it is the
    /// shape the socket worker's non-blocking receives already had. The deadline is read before
    /// the first try: a worker that re-enters the poll within one gap (after completions that
    /// were no datagram) still ends at the window.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int PollUntil<TPoll>(ref TPoll poll) where TPoll : struct, ISpinPoll
    {
        long deadline = Deadline;
        for (int tries = 1; Stopwatch.GetTimestamp() < deadline; tries++)
        {
            int r = poll.Try();
            if (r != 0) return r;
            if ((tries & 7) == 0) YieldNow();
        }
        return 0;
    }

    /// <summary>
    /// <c>sched_yield</c>: when the sender the worker spins for runs on the same CPU (a client on a
    /// small or loaded machine), spinning would keep it from sending until the window ends; the
    /// yield lets it run. With nothing else runnable it returns at once.
    /// </summary>
    public static void YieldNow() => Thread.Yield();
}

/// <summary>One non-blocking look for work while a <see cref="ReceiveSpin"/> polls; a struct so the JIT specializes the loop.</summary>
internal interface ISpinPoll
{
    /// <summary>Positive: work arrived; 0: nothing yet; negative: a failure that ends the poll.</summary>
    int Try();
}
