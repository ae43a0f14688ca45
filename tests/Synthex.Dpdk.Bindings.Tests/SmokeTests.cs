using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>
/// DPDK end to end through the generated bindings and the shim, over net_null: EAL init, port
/// count, mbuf pool, configure and start, one burst received through sx_eth_rx_burst and read
/// through the generated rte_mbuf, freed, one burst sent, stop, close, rte_eal_cleanup.
/// </summary>
public sealed class SmokeTests
{
    [Fact]
    public void Net_null_burst_through_the_shim_without_hugepages() => AssertBurst(SmokeProgram.Run(), "no-huge");

    [HugepagesFact]
    public void Net_null_burst_through_the_shim_on_hugepages() => AssertBurst(SmokeProgram.Run("--huge"), "hugepages");

    private static void AssertBurst(SmokeResult r, string mode)
    {
        Assert.True(r.ExitCode == 0, $"smoke program exited {r.ExitCode}:\n{r.Output}");
        Assert.Equal(mode, r["mode"]);
        Assert.Equal("1", r["ports"]);
        Assert.Equal("net_null", r["driver"]);
        Assert.Equal("32", r["rx"]);                     // a full burst: net_null always has packets
        Assert.Equal("64", r["pkt_len"]);                // net_null's default packet size
        Assert.Equal("64", r["data_len"]);               // one segment
        Assert.Equal(Constants.RTE_PKTMBUF_HEADROOM.ToString(), r["data_off"]);
        Assert.Equal(Constants.RTE_MBUF_DEFAULT_BUF_SIZE.ToString(), r["buf_len"]);
        Assert.Equal("32", r["in_use"]);                 // the burst's mbufs came from our pool...
        Assert.Equal("0", r["in_use_after_free"]);       // ...and rte_pktmbuf_free_bulk gave them all back
        Assert.Equal("32", r["tx"]);                     // net_null takes every packet sent
    }

    [Fact]
    public void A_failing_step_is_named_with_rte_strerror()
    {
        // An unknown EAL option: rte_eal_init fails, and the program must say where and why.
        var r = SmokeProgram.Run("--extra-eal", "--bogus-option-for-test");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FAILED at rte_eal_init", r.Output);
        Assert.Contains("Invalid argument", r.Output);
    }
}
