using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Fallback.IoUring.Interop;

// The io_uring ABI structs, hand-mirrored from include/uapi/linux/io_uring.h of Linux 6.18.
// Only the fields the backend uses are named; unions are flattened to the member we use, and
// sizes are pinned with Size= so a typo fails the layout test (IoUringAbiTests), not the kernel.

/// <summary><c>struct io_sqring_offsets</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal struct SqRingOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
    public ulong UserAddr;
}

/// <summary><c>struct io_cqring_offsets</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal struct CqRingOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
    public ulong UserAddr;
}

/// <summary><c>struct io_uring_params</c> (120 bytes), in and out of <c>io_uring_setup</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 120)]
internal struct IoUringParams
{
    public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd;
    public uint Resv0, Resv1, Resv2;
    public SqRingOffsets SqOff;
    public CqRingOffsets CqOff;
}

/// <summary><c>struct io_uring_sqe</c> (64 bytes), the members a socket request uses.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct IoUringSqe
{
    [FieldOffset(0)] public byte Opcode;
    [FieldOffset(1)] public byte Flags;
    [FieldOffset(2)] public ushort IoPrio;
    [FieldOffset(4)] public int Fd;
    [FieldOffset(8)] public ulong Off;
    [FieldOffset(16)] public ulong Addr;
    [FieldOffset(24)] public uint Len;
    [FieldOffset(28)] public uint MsgFlags;
    [FieldOffset(32)] public ulong UserData;
    [FieldOffset(40)] public ushort BufGroup;
    [FieldOffset(42)] public ushort Personality;
    [FieldOffset(44)] public uint FileIndex;
    [FieldOffset(48)] public ulong Addr3;
    [FieldOffset(56)] public ulong Pad2;
}

/// <summary><c>struct io_uring_cqe</c> (16 bytes; the ring is not set up with CQE32).</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct IoUringCqe
{
    public ulong UserData;
    public int Res;
    public uint Flags;
}

/// <summary><c>struct io_uring_probe</c> header (16 bytes), followed by <c>ops_len</c> ops.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct IoUringProbe
{
    public byte LastOp;
    public byte OpsLen;
    public ushort Resv;
    public uint Resv2a, Resv2b, Resv2c;
}

/// <summary><c>struct io_uring_probe_op</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct IoUringProbeOp
{
    public byte Op;
    public byte Resv;
    public ushort Flags;
    public uint Resv2;
}

/// <summary><c>struct io_uring_buf_reg</c> (40 bytes), argument of <c>IORING_REGISTER_PBUF_RING</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal struct IoUringBufReg
{
    public ulong RingAddr;
    public uint RingEntries;
    public ushort Bgid;
    public ushort Flags;
    public ulong Resv0, Resv1, Resv2;
}

/// <summary>
/// <c>struct io_uring_buf</c> (16 bytes), one entry of a provided-buffer ring. The ring's tail
/// lives in the <c>resv</c> field of entry 0 (<c>struct io_uring_buf_ring</c> is a union).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct IoUringBuf
{
    public ulong Addr;
    public uint Len;
    public ushort Bid;
    public ushort Resv;
}

/// <summary>
/// <c>struct io_uring_recvmsg_out</c> (16 bytes): what a multishot <c>RECVMSG</c> writes at the
/// start of each provided buffer, followed by the name area, the control area and the payload.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct IoUringRecvmsgOut
{
    public uint NameLen;
    public uint ControlLen;
    public uint PayloadLen;
    public int Flags;
}

/// <summary><c>struct io_uring_getevents_arg</c> (24 bytes), for <c>IORING_ENTER_EXT_ARG</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 24)]
internal struct IoUringGeteventsArg
{
    public ulong Sigmask;
    public uint SigmaskSz;
    public uint MinWaitUsec;
    public ulong Ts;
}

/// <summary><c>struct __kernel_timespec</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct KernelTimespec
{
    public long Sec;
    public long Nsec;
}
