using Synthex.Dpdk.Runtime.Dpdk;

namespace Synthex.Dpdk.Tests.Runtime;

/// <summary>When synthex re-executes itself with the shim preloaded (static TLS for DPDK): asked for, DPDK runs only, once.</summary>
public class DpdkPreloadTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars)
        => key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Theory]
    [InlineData(true, "run", "--mode", "io", "--", "-l", "0,1")]
    [InlineData(true, "run", "--backend", "dpdk")]
    [InlineData(true, "run", "--backend", "auto")]
    [InlineData(true, "run", "--", "--backend", "socket")] // after "--": an EAL argument, not ours
    [InlineData(false, "run", "--backend", "socket")]
    [InlineData(false, "run", "--backend=io-uring")]
    [InlineData(false, "run", "--help")]
    [InlineData(false, "info")]
    [InlineData(false, "load", "--target", "127.0.0.1:9000")]
    [InlineData(false)]
    public void Only_a_dpdk_or_auto_run_is_re_executed(bool wanted, params string[] args)
        => Assert.Equal(wanted, DpdkPreload.Wanted(args, Env((DpdkPreload.SwitchVariable, "1"))));

    [Fact]
    public void The_re_executed_process_does_not_re_execute_again()
        => Assert.False(DpdkPreload.Wanted(["run"], Env((DpdkPreload.SwitchVariable, "1"), (DpdkPreload.GuardVariable, "/x/libsynthex_shim.so"))));

    [Fact]
    public void It_is_off_unless_SYNTHEX_PRELOAD_is_1()
    {
        Assert.False(DpdkPreload.Wanted(["run"], Env()));
        Assert.False(DpdkPreload.Wanted(["run"], Env((DpdkPreload.SwitchVariable, "0"))));
        Assert.True(DpdkPreload.Wanted(["run"], Env((DpdkPreload.SwitchVariable, "1"))));
    }

    [Fact]
    public void A_backend_named_in_the_environment_counts_unless_the_command_line_overrides_it()
    {
        Assert.False(DpdkPreload.Wanted(["run"], Env((DpdkPreload.SwitchVariable, "1"), ("SYNTHEX_BACKEND", "socket"))));
        Assert.True(DpdkPreload.Wanted(["run", "--backend", "dpdk"], Env((DpdkPreload.SwitchVariable, "1"), ("SYNTHEX_BACKEND", "socket"))));
    }
}
