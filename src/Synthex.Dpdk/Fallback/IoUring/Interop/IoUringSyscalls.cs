using Synthex.Dpdk.Fallback.Interop;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring.Interop;

/// <summary>
/// The three io_uring system calls. Each returns the kernel's result or <c>-errno</c>, the
/// convention of the kernel and of liburing, so callers branch on the sign without reading errno.
/// </summary>
internal static unsafe class IoUringSyscalls
{
    public static int Setup(uint entries, IoUringParams* p) =>
        Result(Libc.Syscall(SYS_io_uring_setup, (nint)entries, (nint)p, 0, 0, 0, 0));

    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags, void* arg, nuint argSize) =>
        Result(Libc.Syscall(SYS_io_uring_enter, fd, (nint)toSubmit, (nint)minComplete, (nint)flags, (nint)arg, (nint)argSize));

    public static int Register(int fd, uint opcode, void* arg, uint nrArgs) =>
        Result(Libc.Syscall(SYS_io_uring_register, fd, (nint)opcode, (nint)arg, (nint)nrArgs, 0, 0));

    private static int Result(long r) => r < 0 ? -Libc.LastErrno : (int)r;
}
