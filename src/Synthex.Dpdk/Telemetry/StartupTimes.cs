using System.Diagnostics;

namespace Synthex.Dpdk.Telemetry;

/// <summary>
/// How long the run took to become useful, in milliseconds from the process's start (the kernel's
/// record of it, so a re-exec of the launcher and the .NET host's own start are counted):
/// the backend open (for DPDK: EAL initialised and the ports found), the ports up (queues set up,
/// devices started, workers launched) and the first packet a worker received (null when none came).
/// The three are in that order: a packet received says the ports were up, so a backend that does
/// not stamp its ports up separately (the kernel backends bind and start their workers in one step)
/// gets the first packet's time as its ports-up time when that came before <c>Start</c> returned.
/// </summary>
/// <remarks>
/// The process's start comes from <c>/proc/self/stat</c> through <see cref="Process.StartTime"/>,
/// which counts in clock ticks (10 ms on Linux): the figures are good to about 10 ms, enough to
/// compare a JIT build's start-up with a Native AOT one's (hundreds of milliseconds apart).
/// </remarks>
public sealed record StartupTimes(double BackendOpenMs, double PortsUpMs, double? FirstPacketMs)
{
    /// <summary>
    /// The times of the given <see cref="Stopwatch"/> timestamps since the process started;
    /// <paramref name="firstPacket"/> 0 means no packet came.
    /// </summary>
    public static StartupTimes Since(ProcessClock clock, long backendOpen, long portsUp, long firstPacket)
    {
        if (firstPacket != 0 && firstPacket < portsUp) portsUp = firstPacket;
        return new(clock.MillisecondsAt(backendOpen), clock.MillisecondsAt(portsUp),
                   firstPacket == 0 ? null : clock.MillisecondsAt(firstPacket));
    }
}

/// <summary>
/// Turns <see cref="Stopwatch"/> timestamps into milliseconds since the process started: the
/// wall clock and the stopwatch are read together once, so later stamps cost one subtraction.
/// </summary>
public sealed class ProcessClock
{
    private readonly long _anchor;
    private readonly double _anchorMs;

    public ProcessClock(DateTime processStartUtc)
    {
        _anchor = Stopwatch.GetTimestamp();
        _anchorMs = (DateTime.UtcNow - processStartUtc).TotalMilliseconds;
    }

    /// <summary>This process's clock, or null where the start time cannot be read (no /proc).</summary>
    public static ProcessClock? Current()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return new ProcessClock(self.StartTime.ToUniversalTime());
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public double MillisecondsAt(long timestamp)
        => Math.Round(_anchorMs + Stopwatch.GetElapsedTime(_anchor, timestamp).TotalMilliseconds, 1);
}
