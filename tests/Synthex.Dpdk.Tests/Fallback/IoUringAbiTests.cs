using System.Runtime.CompilerServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>The hand-mirrored kernel structs have the sizes and offsets of linux/io_uring.h and bits/socket.h.</summary>
public class IoUringAbiTests
{
    [Fact]
    public void Struct_sizes_match_the_kernel_abi()
    {
        Assert.Equal(64, Unsafe.SizeOf<IoUringSqe>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringCqe>());
        Assert.Equal(120, Unsafe.SizeOf<IoUringParams>());
        Assert.Equal(40, Unsafe.SizeOf<SqRingOffsets>());
        Assert.Equal(40, Unsafe.SizeOf<CqRingOffsets>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringProbe>());
        Assert.Equal(8, Unsafe.SizeOf<IoUringProbeOp>());
        Assert.Equal(40, Unsafe.SizeOf<IoUringBufReg>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringBuf>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringRecvmsgOut>());
        Assert.Equal(24, Unsafe.SizeOf<IoUringGeteventsArg>());
        Assert.Equal(56, Unsafe.SizeOf<MsgHdr>());
        Assert.Equal(64, Unsafe.SizeOf<MMsgHdr>());
        Assert.Equal(16, Unsafe.SizeOf<IoVec>());
    }

    [Fact]
    public unsafe void Sqe_and_params_offsets_match_the_kernel_abi()
    {
        IoUringSqe sqe = default;
        byte* b = (byte*)&sqe;
        Assert.Equal(4, (byte*)&sqe.Fd - b);
        Assert.Equal(16, (byte*)&sqe.Addr - b);
        Assert.Equal(24, (byte*)&sqe.Len - b);
        Assert.Equal(28, (byte*)&sqe.MsgFlags - b);
        Assert.Equal(32, (byte*)&sqe.UserData - b);
        Assert.Equal(40, (byte*)&sqe.BufGroup - b);

        IoUringParams p = default;
        byte* pb = (byte*)&p;
        Assert.Equal(20, (byte*)&p.Features - pb);
        Assert.Equal(40, (byte*)&p.SqOff - pb);
        Assert.Equal(80, (byte*)&p.CqOff - pb);

        // The provided-buffer ring's tail overlays entry 0's resv field at byte 14.
        IoUringBuf buf = default;
        Assert.Equal(14, (byte*)&buf.Resv - (byte*)&buf);
    }
}
