namespace Synthex.Dpdk.Fallback.IoUring.Interop;

/// <summary>
/// Constants of the io_uring ABI, hand-mirrored from <c>include/uapi/linux/io_uring.h</c> of
/// Linux 6.18 (the values are ABI: they never change once a kernel has shipped them). The binding
/// generator covers DPDK's headers; this handful of kernel constants is not worth a second input.
/// </summary>
internal static class IoUringConst
{
    // syscall numbers: the same on every architecture since io_uring postdates the split tables
    public const long SYS_io_uring_setup = 425;
    public const long SYS_io_uring_enter = 426;
    public const long SYS_io_uring_register = 427;

    // io_uring_params.flags (setup)
    public const uint IORING_SETUP_CQSIZE = 1u << 3;
    public const uint IORING_SETUP_CLAMP = 1u << 4;
    public const uint IORING_SETUP_SUBMIT_ALL = 1u << 7;
    public const uint IORING_SETUP_COOP_TASKRUN = 1u << 8;
    public const uint IORING_SETUP_SINGLE_ISSUER = 1u << 12;
    public const uint IORING_SETUP_DEFER_TASKRUN = 1u << 13;

    // io_uring_params.features
    public const uint IORING_FEAT_SINGLE_MMAP = 1u << 0;
    public const uint IORING_FEAT_NODROP = 1u << 1;
    public const uint IORING_FEAT_FAST_POLL = 1u << 5;
    public const uint IORING_FEAT_EXT_ARG = 1u << 8;

    // mmap offsets
    public const long IORING_OFF_SQ_RING = 0;
    public const long IORING_OFF_CQ_RING = 0x8000000;
    public const long IORING_OFF_SQES = 0x10000000;

    // io_uring_enter flags
    public const uint IORING_ENTER_GETEVENTS = 1u << 0;
    public const uint IORING_ENTER_EXT_ARG = 1u << 3;

    // sq ring flags
    public const uint IORING_SQ_CQ_OVERFLOW = 1u << 1;

    // io_uring_register opcodes
    public const uint IORING_REGISTER_PROBE = 8;
    public const uint IORING_REGISTER_PBUF_RING = 22;
    public const uint IORING_UNREGISTER_PBUF_RING = 23;

    // opcodes
    public const byte IORING_OP_NOP = 0;
    public const byte IORING_OP_SENDMSG = 9;
    public const byte IORING_OP_RECVMSG = 10;
    public const byte IORING_OP_ASYNC_CANCEL = 14;
    public const byte IORING_OP_SENDMSG_ZC = 48;

    // sqe.flags
    public const byte IOSQE_BUFFER_SELECT = 1 << 5;
    public const byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // sqe.ioprio for send/recv
    public const ushort IORING_RECVSEND_POLL_FIRST = 1 << 0;
    public const ushort IORING_RECV_MULTISHOT = 1 << 1;

    // cqe.flags
    public const uint IORING_CQE_F_BUFFER = 1u << 0;
    public const uint IORING_CQE_F_MORE = 1u << 1;
    public const uint IORING_CQE_F_NOTIF = 1u << 3;
    public const int IORING_CQE_BUFFER_SHIFT = 16;

    // io_uring_probe_op.flags
    public const ushort IO_URING_OP_SUPPORTED = 1 << 0;
}
