using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The back-off of a worker whose queues are empty (<see cref="IdleMode"/>), l3fwd-power's idea
/// without its interrupts: count consecutive empty polls; past <see cref="PauseAfter"/> spin
/// with <c>pause</c> between polls; past <see cref="SleepAfter"/> (sleep mode) sleep, first
/// <see cref="MinSleepMicroseconds"/>, doubling per empty poll up to
/// <see cref="MaxSleepMicroseconds"/>; in interrupt mode, once the sleeps reach the longest, wait
/// in epoll for the queues' RX interrupts instead. Any packet resets it: under load it never engages, and
/// the loop pays one store per poll.
/// </summary>
/// <remarks>
/// The sleep is <c>nanosleep</c> with the thread's timer slack set to 1 µs (<c>prctl
/// PR_SET_TIMERSLACK</c>; the default 50 µs would be added to every sleep). In interrupt mode
/// the sleeping phase is a wait in epoll on the queues' RX interrupts instead (<see cref="IRxWait"/>,
/// at most <see cref="InterruptWaitMilliseconds"/> per wait, so the stop flag is seen), falling
/// back to the sleep when there is no wait or it fails. DPDK's own PMD power management
/// (<c>rte_power_monitor</c>/UMWAIT) is not used: it needs a driver with a monitor address and a
/// CPU with WAITPKG or MONITORX, and net_null, net_tap, memif and af_packet have none, nor does
/// this project's AMD EPYC VM expose either instruction (no monitor, mwaitx or waitpkg in
/// /proc/cpuinfo); the sleep stands on its own everywhere.
/// </remarks>
public struct IdleBackoff
{
    /// <summary>Empty polls before pausing: a gap between two bursts at line rate is far shorter.</summary>
    public const int PauseAfter = 64;

    /// <summary>Empty polls before the first sleep (~50–100 µs of polling on this VM: a burst's stragglers arrive well within it).</summary>
    public const int SleepAfter = 1024;

    public const int MinSleepMicroseconds = 4;

    /// <summary>The longest sleep: what the first packet after a long idle spell may wait at most (plus the wake-up).</summary>
    public const int MaxSleepMicroseconds = 200;

    /// <summary>
    /// The longest interrupt wait: how late a worker sees the stop flag, and the period at which
    /// an idle worker wakes for nothing (100 wake-ups a second, each one empty poll: well under
    /// 1% of a core).
    /// </summary>
    public const int InterruptWaitMilliseconds = 10;

    private IdleMode _mode;
    private readonly IRxWait? _rxWait;
    private readonly int _waitMilliseconds;
    private int _empty;
    private int _sleepMicroseconds;
    private bool _slackSet;

    /// <param name="rxWait">The RX-interrupt wait of <see cref="IdleMode.Interrupt"/>; without one that mode sleeps.</param>
    /// <param name="waitMilliseconds">The longest interrupt wait (shorter for apps that must wake for their own timers).</param>
    public IdleBackoff(IdleMode mode, IRxWait? rxWait = null, int waitMilliseconds = InterruptWaitMilliseconds)
    {
        _mode = mode == IdleMode.Interrupt && rxWait is null ? IdleMode.Sleep : mode;
        _rxWait = rxWait;
        _waitMilliseconds = waitMilliseconds;
    }

    /// <summary>The mode in force: <see cref="IdleMode.Interrupt"/> becomes <see cref="IdleMode.Sleep"/> where the interrupts cannot be used.</summary>
    public readonly IdleMode Mode => _mode;

    /// <summary>Sleeps taken so far (a test reads it to see that the worker did back off).</summary>
    public long Sleeps { get; private set; }

    /// <summary>Interrupt waits taken so far.</summary>
    public long Waits { get; private set; }

    /// <summary>
    /// On the worker thread, before the first poll: attaches the interrupt wait to this thread
    /// (interrupt mode), or falls back to sleeping when it cannot be used.
    /// </summary>
    public void Start()
    {
        if (_mode == IdleMode.Interrupt && !_rxWait!.Attach()) _mode = IdleMode.Sleep;
    }

    /// <summary>A poll brought packets: back to full polling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Busy() => _empty = 0;

    /// <summary>A poll brought nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Empty()
    {
        if (++_empty < PauseAfter || _mode == IdleMode.Busy) return;
        BackOff();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BackOff()
    {
        if (_mode == IdleMode.Pause || _empty < SleepAfter)
        {
            Thread.SpinWait(8); // the pause instruction, a few times
            _sleepMicroseconds = MinSleepMicroseconds;
            return;
        }
        // Interrupt mode sleeps like sleep mode first and waits in epoll only once the sleeps
        // have grown to the longest (~0.25 ms of sleeping after the 1024 polls), as l3fwd-power
        // waits for its interrupt only past an idle threshold (SUSPEND_THRESHOLD, 300 us) and
        // short-sleeps below it: a wake-up from epoll costs a scheduler round trip, which, with
        // the epoll wait at once, made a flooded net_tap run at 0.16x busy on the loaded VM
        // (sleep mode: 0.49x; scripts/bench-idle-throughput.sh, load average 60-70).
        if (_mode == IdleMode.Interrupt && _sleepMicroseconds >= MaxSleepMicroseconds)
        {
            int woken = _rxWait!.Wait(_waitMilliseconds);
            if (woken >= 0)
            {
                Waits++;
                _empty = SleepAfter;
                // After a timeout the next empty poll waits again at once (_sleepMicroseconds stays
                // at the longest until a packet resets the back-off). After an interrupt it sleeps
                // short again first: the packet may not be visible to the next poll yet — net_tap
                // reads its file descriptor only once its SIGIO handler has run — and waiting
                // again at once then slept until the timeout (ping 0.18/6.8/10.4 ms min/avg/max
                // after 0.5 s idle on a quiet machine, against 0.13/0.18/0.24 busy).
                if (woken > 0) _sleepMicroseconds = MinSleepMicroseconds;
                return;
            }
            _mode = IdleMode.Sleep; // logged by the wait; sleep from now on
        }
        if (!_slackSet)
        {
            IdleSyscalls.SetTimerSlack(1000); // 1 µs, this thread only; failure leaves the default
            _slackSet = true;
        }
        IdleSyscalls.Sleep(_sleepMicroseconds);
        Sleeps++;
        _sleepMicroseconds = Math.Min(MaxSleepMicroseconds, _sleepMicroseconds * 2);
        _empty = SleepAfter; // stay in the sleeping phase without overflowing the count
    }
}

/// <summary>The two libc calls of the sleep phase.</summary>
internal static unsafe partial class IdleSyscalls
{
    private const int PR_SET_TIMERSLACK = 29;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static void Sleep(int microseconds)
    {
        var ts = new Timespec { Seconds = 0, Nanoseconds = microseconds * 1000L };
        _ = Nanosleep(&ts, null); // EINTR (a signal) only shortens one sleep
    }

    public static void SetTimerSlack(int nanoseconds) => _ = Prctl(PR_SET_TIMERSLACK, (nuint)nanoseconds, 0, 0, 0);

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int Nanosleep(Timespec* request, Timespec* remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
