using System.Runtime.CompilerServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>SQE preparation, liburing's <c>io_uring_prep_*</c> for the two requests the backend makes.</summary>
internal static unsafe class IoUringOps
{
    /// <summary>
    /// Multishot RECVMSG with buffer selection: one SQE keeps receiving, one CQE per datagram,
    /// each in a buffer of group <paramref name="group"/>. <paramref name="msg"/> only describes
    /// the layout (name and control room); it must stay valid while the request is armed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrepRecvmsgMultishot(IoUringSqe* sqe, int fd, MsgHdr* msg, ushort group, ulong userData)
    {
        sqe->Opcode = IORING_OP_RECVMSG;
        sqe->Fd = fd;
        sqe->Addr = (ulong)msg;
        sqe->Len = 1;
        sqe->IoPrio = IORING_RECV_MULTISHOT;
        sqe->Flags = IOSQE_BUFFER_SELECT;
        sqe->BufGroup = group;
        sqe->UserData = userData;
    }

    /// <summary>
    /// SENDMSG of <paramref name="msg"/> (which must stay valid until the completion). With
    /// <paramref name="zeroCopy"/>, SENDMSG_ZC: the kernel sends from our pages and posts a second
    /// completion (<c>IORING_CQE_F_NOTIF</c>) when it no longer needs them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrepSendmsg(IoUringSqe* sqe, int fd, MsgHdr* msg, ulong userData, bool zeroCopy = false)
    {
        sqe->Opcode = zeroCopy ? IORING_OP_SENDMSG_ZC : IORING_OP_SENDMSG;
        sqe->Fd = fd;
        sqe->Addr = (ulong)msg;
        sqe->Len = 1;
        sqe->UserData = userData;
    }

    /// <summary>Cancels the request whose user data is <paramref name="target"/>.</summary>
    public static void PrepCancel(IoUringSqe* sqe, ulong target, ulong userData)
    {
        sqe->Opcode = IORING_OP_ASYNC_CANCEL;
        sqe->Fd = -1;
        sqe->Addr = target;
        sqe->UserData = userData;
    }
}
