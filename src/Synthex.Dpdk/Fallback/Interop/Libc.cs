using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Fallback.Interop;

/// <summary>
/// The libc calls the OS backends make: sockets, memory mapping, affinity and the raw
/// <c>syscall(2)</c> entry for io_uring (glibc 2.36 has no wrappers for it). Nothing here loads
/// DPDK or the native shim, so the OS backends run on hosts where neither is installed.
/// </summary>
/// <remarks>
/// Every call sets errno through <c>SetLastError</c>; read it with
/// <see cref="Marshal.GetLastPInvokeError"/> right after a failed call. None of these is marked
/// <c>[SuppressGCTransition]</c>: most of them block (recvmmsg, io_uring_enter waiting for
/// completions) and a GC must be able to run while they do.
/// </remarks>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    // ---- raw syscalls -------------------------------------------------------------------------

    /// <summary>
    /// <c>long syscall(long number, ...)</c>, declared with six fixed arguments. On the x86-64 and
    /// AArch64 Linux ABIs a variadic callee reads its arguments from the same registers as a
    /// fixed-argument one, so this is how every managed io_uring binding calls it.
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    // ---- memory -------------------------------------------------------------------------------

    public const int PROT_READ = 0x1, PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    public static readonly nint MAP_FAILED = -1;

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    // ---- sockets ------------------------------------------------------------------------------

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, void* addr, uint addrlen);

    [LibraryImport(Lib, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, void* addr, uint* addrlen);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int optname, void* optval, uint optlen);

    [LibraryImport(Lib, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int optname, void* optval, uint* optlen);

    [LibraryImport(Lib, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);

    [LibraryImport(Lib, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags);

    [LibraryImport(Lib, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    // ---- threads ------------------------------------------------------------------------------

    /// <summary><c>sched_setaffinity(0, ...)</c>: pins the calling thread.</summary>
    [LibraryImport(Lib, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int SchedSetAffinity(int pid, nuint cpusetsize, ulong* mask);

    public const int RUSAGE_THREAD = 1;

    /// <summary><c>getrusage</c> into a <c>struct rusage</c> (144 bytes on x86-64 and arm64: two timevals, fourteen longs).</summary>
    [LibraryImport(Lib, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRusage(int who, long* usage);

    /// <summary>
    /// How often the calling thread was switched out involuntarily (<c>ru_nivcsw</c> of
    /// <c>getrusage(RUSAGE_THREAD)</c>): preempted by another thread, or its <c>sched_yield</c>
    /// gave the CPU to one. -1 when the call fails.
    /// </summary>
    public static long ThreadInvoluntarySwitches()
    {
        long* usage = stackalloc long[18];
        return GetRusage(RUSAGE_THREAD, usage) == 0 ? usage[17] : -1; // ru_nivcsw: the 18th long
    }

    /// <summary>The errno of the last failed call above, as a positive number.</summary>
    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary><c>strerror</c> for reports (not the hot path).</summary>
    public static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
