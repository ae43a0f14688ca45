using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>The start-up check as the appliance runs it, and what the probe must contain.</summary>
public sealed class LayoutCheckTests
{
    [Fact]
    public void Verify_passes_against_the_built_shim() => LayoutCheck.Verify();

    [Fact]
    public void Probe_covers_every_generated_record()
    {
        var probed = LayoutCheck.Native().Keys.Select(k => k.Record).ToHashSet();
        Assert.Equal(LayoutView.Records.Order(), probed.Order());
    }

    [Theory]
    [InlineData("data_off", 16)]
    [InlineData("pkt_len", 36)]
    [InlineData("data_len", 40)]
    [InlineData("buf_len", 54)]
    [InlineData("pool", 56)]
    public void Mbuf_fields_the_data_path_reads_sit_where_dpdk_22_11_puts_them(string field, long offset)
    {
        // The fields Synthex reads per packet, pinned to their DPDK 22.11 (RTE_IOVA_AS_PA) offsets,
        // so a change to either side fails here with the field named.
        Assert.Equal(offset, LayoutCheck.Native()[("rte_mbuf", field)].Offset);
        Assert.Equal(offset, LayoutView.For("rte_mbuf").Single(e => e.Field == field).Offset);
    }

    [Fact]
    public void Mismatch_message_names_the_field_and_both_offsets()
    {
        var e = new LayoutEntry("rte_mbuf", "data_len", 42, 2);
        var c = LayoutCheck.Native()[("rte_mbuf", "data_len")];
        var message = LayoutCheck.Describe(e, c);
        Assert.Contains("rte_mbuf.data_len", message);
        Assert.Contains("C offset 40", message);
        Assert.Contains("C# offset 42", message);
    }

    [Fact]
    public void Bitfield_accessors_read_and_write_their_bits_only()
    {
        var link = default(rte_eth_link);
        link.link_status = 1;
        link.link_duplex = 1;
        Assert.Equal(1, link.link_status);
        Assert.Equal(1, link.link_duplex);
        Assert.Equal(0, link.link_autoneg);
        link.link_duplex = 0;
        Assert.Equal(1, link.link_status);

        var m = default(rte_mbuf);
        m.l2_len = 14;
        m.l3_len = 20;
        Assert.Equal(14UL | (20UL << 7), m.tx_offload);
    }
}
