using System.Diagnostics;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// Golden pcaps through the endpoint on DPDK's net_pcap: ARP, neighbour solicitation, echo
/// (IPv4/IPv6) and UDP to the service port are answered (UDP byte for byte against
/// independently built replies; every checksum checked by tshark); another port, another
/// address, fragments, TCP and an oversized datagram are counted drops under their names; an
/// 8 KB datagram is answered at --mtu 9000.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class EndpointPcapTests
{
    // net_pcap's port MAC (from its name): the frames are addressed to it.
    private static readonly byte[] PcapMac = [0x02, 0x70, 0x63, 0x61, 0x70, 0x00];

    private static FrameBuilder Udp(bool v6 = false, int payload = 18, ushort port = 9000)
        => new() { Dst = PcapMac, Ipv6 = v6, PayloadLength = payload, DstPort = port };

    [Fact]
    public void Answers_and_drops_are_golden_and_tshark_finds_every_checksum_good()
    {
        var udp4 = Udp();
        var udp6 = Udp(v6: true, payload: 100);
        var udp4Vlan = Udp(payload: 300);
        udp4Vlan.Vlans = [7];
        var echo4 = new FrameBuilder { Dst = PcapMac, Protocol = IpProtocol.Icmp, PayloadLength = 56 }.Build();
        var echo6 = Icmp6Echo();
        var arp = Arp();
        var ns = Solicitation();
        var fragment = Udp().Build();
        fragment[20] = 0x20; // more fragments (header checksum left stale: the endpoint drops it before)
        var inputs = new List<byte[]>
        {
            FrameBuilder.Pad(udp4.Build()), udp6.Build(), udp4Vlan.Build(), echo4, echo6, arp, ns,
            Udp(port: 9001).Build(),                                              // closed_port
            new FrameBuilder { Dst = PcapMac, IpDst = [10, 0, 0, 99] }.Build(),   // not_for_us
            fragment,                                                             // ip_fragment
            new FrameBuilder { Dst = PcapMac, Protocol = IpProtocol.Tcp }.Build(), // unsupported_l4
            Udp(payload: 1600).Build(),                                           // oversized at MTU 1500
        };
        var (replies, totals) = RunThrough(inputs, mtu: 1500);

        Assert.Equal(7, replies.Count);
        Assert.Equal(ExpectedReply.For(udp4), replies[0]);
        Assert.Equal(ExpectedReply.For(udp6), replies[1]);
        Assert.Equal(ExpectedReply.For(udp4Vlan), replies[2]);
        var fields = Tshark(replies, "icmp.type", "icmpv6.type", "arp.opcode", "ip.checksum.status", "udp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status");
        Assert.Equal("0", fields[3][0]);    // echo reply
        Assert.Equal("129", fields[4][1]);  // ICMPv6 echo reply
        Assert.Equal("2", fields[5][2]);    // ARP reply
        Assert.Equal("136", fields[6][1]);  // neighbour advertisement
        foreach (var f in fields) Assert.DoesNotContain("0", f.Skip(3)); // no bad checksum anywhere
        Assert.Equal("1", fields[0][4]);
        Assert.Equal("1", fields[1][4]);
        Assert.Equal("1", fields[3][5]);
        Assert.Equal("1", fields[6][6]);

        var drops = totals.GetProperty("drops");
        foreach (var reason in new[] { "closed_port", "not_for_us", "ip_fragment", "unsupported_l4", "oversized" })
            Assert.Equal(1, drops.GetProperty(reason).GetInt64());
        Assert.Equal(5, totals.GetProperty("dropped").GetInt64());
        Assert.Equal(7, totals.GetProperty("replied").GetInt64());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
    }

    [Fact]
    public void An_8k_datagram_is_answered_at_mtu_9000()
    {
        var jumbo = Udp(payload: 8192); // a 2,048-float vector
        var (replies, totals) = RunThrough([jumbo.Build()], mtu: 9000);
        Assert.Equal(ExpectedReply.For(jumbo), Assert.Single(replies));
        Assert.Equal("1", Tshark(replies, "udp.checksum.status")[0][0]);
        Assert.Equal(0, totals.GetProperty("dropped").GetInt64());
    }

    private static (List<byte[]> Replies, System.Text.Json.JsonElement Totals) RunThrough(List<byte[]> inputs, int mtu)
    {
        var dir = Directory.CreateTempSubdirectory("sx-endpoint-").FullName;
        string input = Path.Combine(dir, "in.pcap"), output = Path.Combine(dir, "out.pcap"), report = Path.Combine(dir, "report.json");
        Pcap.Write(input, inputs);
        using var run = SynthexRun.Run(["run", "--app", "reflect", "--address", "10.0.0.2/24,fd00::2/64", "--listen", "0.0.0.0:9000",
            "--mtu", $"{mtu}", "--duration", "1", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", $"net_pcap0,rx_pcap={input},tx_pcap={output}"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var replies = Pcap.Read(output);
        var totals = SynthexRun.Report(report).GetProperty("totals").Clone();
        Assert.Equal(inputs.Count, totals.GetProperty("rx_packets").GetInt64());
        Directory.Delete(dir, recursive: true);
        return (replies, totals);
    }

    /// <summary>tshark's fields for each frame (checksum checks on), one array per frame.</summary>
    private static List<string[]> Tshark(List<byte[]> frames, params string[] fields)
    {
        var dir = Directory.CreateTempSubdirectory("sx-tshark-").FullName;
        string pcap = Path.Combine(dir, "f.pcap");
        Pcap.Write(pcap, frames);
        var psi = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=|" })
            psi.ArgumentList.Add(a);
        foreach (var f in fields) { psi.ArgumentList.Add("-e"); psi.ArgumentList.Add(f); }
        using var tshark = Process.Start(psi)!;
        string stdout = tshark.StandardOutput.ReadToEnd();
        string stderr = tshark.StandardError.ReadToEnd();
        tshark.WaitForExit();
        Assert.True(tshark.ExitCode == 0, stderr);
        Directory.Delete(dir, recursive: true);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(frames.Count, lines.Length);
        return lines.Select(l => l.Split('|')).ToList();
    }

    private static byte[] Icmp6Echo()
    {
        var f = new FrameBuilder { Dst = PcapMac, Ipv6 = true, Protocol = IpProtocol.Icmp, PayloadLength = 56 }.Build();
        f[54] = 128; // FrameBuilder writes an ICMPv4 type
        f[56] = f[57] = 0;
        ushort c = ReferenceChecksum.L4OverIpv6(f.AsSpan(14, 40), f.AsSpan(54), IpProtocol.Icmpv6, 2);
        f[56] = (byte)(c >> 8);
        f[57] = (byte)c;
        return f;
    }

    private static byte[] Arp()
    {
        var f = FrameBuilder.Pad(FrameBuilder.Arp());
        FrameBuilder.MacA.CopyTo(f, 22);
        new byte[] { 10, 0, 0, 1 }.CopyTo(f, 28);
        new byte[] { 10, 0, 0, 2 }.CopyTo(f, 38);
        return f;
    }

    private static byte[] Solicitation()
    {
        var f = new byte[14 + 40 + 32];
        new byte[] { 0x33, 0x33, 0xff, 0, 0, 2 }.CopyTo(f, 0);
        FrameBuilder.MacA.CopyTo(f, 6);
        f[12] = 0x86; f[13] = 0xDD; f[14] = 0x60;
        f[19] = 32; f[20] = 58; f[21] = 255;
        FrameBuilder.Ip6(1).CopyTo(f, 22);
        new byte[] { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2 }.CopyTo(f, 38);
        f[54] = 135;
        FrameBuilder.Ip6(2).CopyTo(f, 62);
        f[78] = 1; f[79] = 1;
        FrameBuilder.MacA.CopyTo(f, 80);
        ushort c = ReferenceChecksum.L4OverIpv6(f.AsSpan(14, 40), f.AsSpan(54), 58, 2);
        f[56] = (byte)(c >> 8);
        f[57] = (byte)c;
        return f;
    }
}
