using Synthex.Dpdk.Fallback.IoUring;

namespace Synthex.Dpdk.Tests.Fallback;

public class IoUringSupportTests
{
    [Fact]
    public void Probe_finds_io_uring_usable_on_this_kernel_or_says_why_not()
    {
        var support = IoUringSupport.ProbeNow();
        if (File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim() != "0")
        {
            Assert.False(support.Usable);
            Assert.Contains("io_uring_setup", support.Reason);
            return;
        }
        // CI kernels are 6.1+: the best setup mode must be the one chosen.
        Assert.True(support.Usable, support.Reason);
        Assert.Equal("SINGLE_ISSUER|DEFER_TASKRUN", support.SetupMode);
        Assert.Contains("multishot RECVMSG", support.Reason);
    }
}
