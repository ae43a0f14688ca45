using System.Runtime.InteropServices;

namespace Synthex.Load.Transport;

/// <summary>Pins the calling thread to one CPU (sched_setaffinity with pid 0 = this thread).</summary>
internal static unsafe class ThreadAffinity
{
    /// <summary>CPUs up to 1023 (a 1024-bit mask, glibc's cpu_set_t).</summary>
    public const int MaxCpu = 1023;

    /// <returns>null when pinned, else the reason (errno) it was refused.</returns>
    public static string? PinCurrentThread(int cpu)
    {
        if ((uint)cpu > MaxCpu) return $"cpu {cpu} is out of range 0..{MaxCpu}";
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return Interop.SchedSetAffinity(0, 16 * sizeof(ulong), mask) == 0
            ? null
            : $"sched_setaffinity(cpu {cpu}) failed: errno {Marshal.GetLastPInvokeError()}";
    }
}
