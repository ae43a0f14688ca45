using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The back-off of a worker whose queues are empty (<see cref="IdleMode"/>), l3fwd-power's idea
/// without its interrupts: count consecutive empty polls; past <see cref="PauseAfter"/> spin
/// with <c>pause</c> between polls; past <see cref="SleepAfter"/> (sleep mode) sleep, first
/// <see cref="MinSleepMicroseconds"/>, doubling per empty poll up to
/// <see cref="MaxSleepMicroseconds"/>. Any packet resets it: under load it never engages, and
/// the loop pays one store per poll.
/// </summary>
/// <remarks>
/// The sleep is <c>nanosleep</c> with the thread's timer slack set to 1 µs (<c>prctl
/// PR_SET_TIMERSLACK</c>; the default 50 µs would be added to every sleep). DPDK's own PMD power
/// management (<c>rte_power_monitor</c>/UMWAIT) is not used: it needs a driver with a monitor
/// address and a CPU with WAITPKG, and net_null, net_tap, memif and af_packet have none; the
/// sleep stands on its own everywhere.
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

    private readonly IdleMode _mode;
    private int _empty;
    private int _sleepMicroseconds;
    private bool _slackSet;

    public IdleBackoff(IdleMode mode) => _mode = mode;

    public readonly IdleMode Mode => _mode;

    /// <summary>Sleeps taken so far (a test reads it to see that the worker did back off).</summary>
    public long Sleeps { get; private set; }

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
