using System.Runtime.InteropServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>
/// What this kernel's io_uring can do for the backend, found by trying it — setup flags in order
/// of preference, <c>IORING_REGISTER_PROBE</c> for the opcodes, a provided-buffer ring
/// registration and a multishot <c>RECVMSG</c> — never by parsing the kernel version: a
/// distribution kernel may backport features, and a seccomp profile or
/// <c>kernel.io_uring_disabled</c> may forbid io_uring on a kernel that has it.
/// </summary>
public sealed record IoUringSupport
{
    /// <summary>True when every feature the backend needs works.</summary>
    public required bool Usable { get; init; }

    /// <summary>Why not, when <see cref="Usable"/> is false (names the call and errno); else what was chosen.</summary>
    public required string Reason { get; init; }

    /// <summary>The setup flags the workers use (the first set the kernel accepted).</summary>
    public uint SetupFlags { get; init; }

    /// <summary>The setup flags as names, e.g. <c>SINGLE_ISSUER|DEFER_TASKRUN</c>.</summary>
    public string SetupMode { get; init; } = "";

    /// <summary>Whether <c>IORING_OP_SENDMSG_ZC</c> is available (reported; see BENCHMARKS.md for why it is not used).</summary>
    public bool SendZeroCopy { get; init; }

    /// <summary>
    /// The setup flag sets, best first. SINGLE_ISSUER|DEFER_TASKRUN (6.1+) runs completion work
    /// only when the worker enters the kernel, so a burst of receives and sends completes in one
    /// batch on the worker's own CPU with no IPIs; COOP_TASKRUN (5.19+) at least avoids
    /// interrupting the worker to run it; no flags is the 5.x default. No TASKRUN_FLAG: the
    /// worker's spin (<see cref="ReceiveSpin"/>) enters the kernel per try rather than watching the
    /// SQ ring's TASKRUN bit, so nothing reads it, and the kernel would set it with an atomic on a
    /// shared cache line for every datagram's task work.
    /// </summary>
    internal static readonly (uint Flags, string Name)[] SetupModes =
    [
        (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL, "SINGLE_ISSUER|DEFER_TASKRUN"),
        (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL, "COOP_TASKRUN"),
    ];

    private static IoUringSupport? s_cached;

    /// <summary>Probes once per process; later calls return the same answer.</summary>
    public static IoUringSupport Probe() => s_cached ??= ProbeNow();

    internal static unsafe IoUringSupport ProbeNow()
    {
        IoUringRing? ring = null;
        string mode = "";
        uint flags = 0;
        int firstError = 0;
        foreach (var (f, name) in SetupModes)
        {
            ring = IoUringRing.TryCreate(8, 16, f, out int err);
            if (ring is not null) { flags = f; mode = name; break; }
            if (firstError == 0) firstError = err;
            // EINVAL means "unknown flag": try the next set. Anything else (EPERM, ENOSYS,
            // ENOMEM) refuses io_uring itself, whatever the flags.
            if (err != -Errno.EINVAL) break;
        }
        if (ring is null)
            return Unusable(SetupFailure(firstError));

        using (ring)
        {
            if ((ring.Features & IORING_FEAT_EXT_ARG) == 0)
                return Unusable("io_uring lacks IORING_FEAT_EXT_ARG (Linux 5.11+)");
            if ((ring.Features & IORING_FEAT_NODROP) == 0)
                return Unusable("io_uring lacks IORING_FEAT_NODROP (Linux 5.5+)");

            // Opcode probe: 256 possible ops after the 16-byte header.
            const int ops = 256;
            nuint size = (nuint)(sizeof(IoUringProbe) + ops * sizeof(IoUringProbeOp));
            var probe = (IoUringProbe*)NativeMemory.AllocZeroed(size);
            bool recv, send, zc;
            try
            {
                int r = ring.Register(IORING_REGISTER_PROBE, probe, ops);
                if (r < 0) return Unusable($"io_uring_register(PROBE) failed: {Libc.StrError(-r)} (Linux 5.6+ needed)");
                var opsPtr = (IoUringProbeOp*)(probe + 1);
                recv = Supported(probe, opsPtr, IORING_OP_RECVMSG);
                send = Supported(probe, opsPtr, IORING_OP_SENDMSG);
                zc = Supported(probe, opsPtr, IORING_OP_SENDMSG_ZC);
            }
            finally
            {
                NativeMemory.Free(probe);
            }
            if (!recv || !send)
                return Unusable("io_uring does not support IORING_OP_RECVMSG/SENDMSG (per IORING_REGISTER_PROBE)");

            // Provided-buffer ring (5.19+): register a one-entry ring, which the ring's close frees.
            try
            {
                using var pbuf = new ProvidedBufferRing(ring, 0, 1, 4096);
                string? multishot = ProbeMultishotRecvmsg(ring, pbuf.GroupId);
                if (multishot is not null) return Unusable(multishot);
            }
            catch (IoUringException e)
            {
                return Unusable(e.Message + " (provided-buffer rings need Linux 5.19+)");
            }

            return new IoUringSupport
            {
                Usable = true,
                Reason = $"{mode}, multishot RECVMSG, provided-buffer ring" + (zc ? ", SENDMSG_ZC available" : ""),
                SetupFlags = flags,
                SetupMode = mode,
                SendZeroCopy = zc,
            };
        }
    }

    private static unsafe bool Supported(IoUringProbe* probe, IoUringProbeOp* ops, byte op) =>
        op <= probe->LastOp && (ops[op].Flags & IO_URING_OP_SUPPORTED) != 0;

    /// <summary>
    /// Arms a multishot RECVMSG on an unbound UDP socket: a kernel without multishot receive
    /// (before 6.0) completes it at once with EINVAL; one with it leaves it pending (nothing will
    /// ever arrive), and closing the ring cancels it.
    /// </summary>
    private static unsafe string? ProbeMultishotRecvmsg(IoUringRing ring, ushort group)
    {
        int fd = Libc.Socket(SocketConst.AF_INET, SocketConst.SOCK_DGRAM | SocketConst.SOCK_CLOEXEC, 0);
        if (fd < 0) return $"socket(AF_INET, SOCK_DGRAM) failed: {Libc.StrError(Libc.LastErrno)}";
        MsgHdr* msg = (MsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(MsgHdr));
        try
        {
            msg->NameLen = SocketConst.NameSpace;
            IoUringSqe* sqe = ring.NextSqe();
            IoUringOps.PrepRecvmsgMultishot(sqe, fd, msg, group, 1);
            int r = ring.SubmitAndWait(0, 0);
            if (r < 0) return $"io_uring_enter failed: {Libc.StrError(-r)}";
            if (ring.CqReady > 0)
            {
                int res = ring.Cqe(ring.CqHead).Res;
                ring.CqAdvance(1);
                if (res < 0) return $"multishot IORING_OP_RECVMSG refused: {Libc.StrError(-res)} (Linux 6.0+ needed)";
            }
            return null;
        }
        finally
        {
            Libc.Close(fd);
            NativeMemory.Free(msg);
        }
    }

    private static string SetupFailure(int error) => -error switch
    {
        Errno.EPERM => "io_uring_setup: Operation not permitted (io_uring is disabled by the kernel.io_uring_disabled sysctl, or a seccomp profile forbids it)",
        Errno.ENOSYS => "io_uring_setup: Function not implemented (kernel built without io_uring, or a seccomp profile hides it)",
        _ => $"io_uring_setup failed: {Libc.StrError(-error)}",
    };

    private static IoUringSupport Unusable(string reason) => new() { Usable = false, Reason = reason };
}
