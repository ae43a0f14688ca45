using System.Diagnostics;
using System.Text.Json;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// Golden tests through the real binary and a real PMD: a generated pcap (varied sizes, VLAN
/// and QinQ tags, IPv4 with options, IPv6 with extension headers, UDP and TCP, malformed frames)
/// is replayed by net_pcap through each forward mode and frame-reflect; the output pcap is compared
/// packet by packet with the expected bytes, frame-reflect's checksums are verified by tshark, and the
/// report must account for every input packet.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class PcapGoldenTests
{
    private sealed record Case(string Name, byte[] Frame, FrameBuilder? Valid, string? ReflectDrop, bool Runt = false, bool Jumbo = false);

    private static List<Case> Inputs()
    {
        byte[] Mut(byte[] f, Action<byte[]> a) { var c = (byte[])f.Clone(); a(c); return c; }
        var cases = new List<Case>();
        void Valid(string name, FrameBuilder b) => cases.Add(new(name, FrameBuilder.Pad(b.Build()), b, null));
        Valid("udp4 small", new FrameBuilder { PayloadLength = 4 });
        Valid("udp4 1000", new FrameBuilder { PayloadLength = 1000, SrcPort = 5001 });
        Valid("tcp4 vlan", new FrameBuilder { Protocol = IpProtocol.Tcp, Vlans = [42], PayloadLength = 100 });
        Valid("udp4 qinq", new FrameBuilder { Vlans = [100, 200], PayloadLength = 300 });
        Valid("udp6", new FrameBuilder { Ipv6 = true, PayloadLength = 64 });
        Valid("tcp6 ext", new FrameBuilder { Ipv6 = true, Protocol = IpProtocol.Tcp, Ipv6ExtHeaders = [new byte[8]], PayloadLength = 1400 });
        Valid("udp4 options", new FrameBuilder { Ipv4Options = [0x94, 4, 0, 0], PayloadLength = 22 });
        Valid("udp4 no checksum", new FrameBuilder { UdpChecksum = false, PayloadLength = 40 });
        cases.Add(new("arp", FrameBuilder.Pad(FrameBuilder.Arp()), null, "not_ip"));
        cases.Add(new("icmp4", FrameBuilder.Pad(new FrameBuilder { Protocol = IpProtocol.Icmp }.Build()), null, "unsupported_l4"));
        cases.Add(new("runt", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], null, "truncated_l2", Runt: true));
        cases.Add(new("ipv4 cut", new FrameBuilder().Build()[..30], null, "bad_ipv4_header"));
        cases.Add(new("udp length lies", FrameBuilder.Pad(Mut(new FrameBuilder().Build(), f => f[39] -= 1)), null, "bad_l4_length"));
        cases.Add(new("ipv6 payload lies", Mut(new FrameBuilder { Ipv6 = true }.Build(), f => f[19] += 9), null, "bad_ipv6_header"));
        cases.Add(new("jumbo", new FrameBuilder { PayloadLength = 3000 }.Build(), null, "multi_segment", Jumbo: true));
        return cases;
    }

    [Theory]
    [InlineData("io")]
    [InlineData("macswap")]
    [InlineData("l2fwd")]
    [InlineData("frame-reflect")]
    public void Every_mode_produces_the_golden_output(string mode)
    {
        var inputs = Inputs();
        var dir = Directory.CreateTempSubdirectory("sx-pcap-").FullName;
        string input = Path.Combine(dir, "in.pcap"), output = Path.Combine(dir, "out.pcap"), report = Path.Combine(dir, "report.json");
        Pcap.Write(input, inputs.Select(c => c.Frame));

        string[] app = mode == "frame-reflect" ? ["--app", "frame-reflect"] : ["--app", "forward", "--mode", mode, "--peer-macs", "0=02:11:22:33:44:55"];
        using var run = SynthexRun.Run(["run", .. app, "--duration", "1", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", $"net_pcap0,rx_pcap={input},tx_pcap={output}"]);
        Assert.True(run.ExitCode == 0, run.Output);

        // What each mode must send, in input order (one port loops to itself, one worker keeps order).
        var expected = new List<byte[]>();
        var drops = new Dictionary<string, long>();
        byte[]? portMac = mode == "l2fwd" ? PortMac(run.Stderr) : null;
        foreach (var c in inputs)
        {
            // io never reads frames and macswap/l2fwd rewrite only the first segment's Ethernet
            // header, so they forward a chained mbuf whole; frame-reflect drops it.
            string? drop = c.Jumbo && mode == "frame-reflect" ? "multi_segment"
                : mode == "frame-reflect" ? c.ReflectDrop
                : mode != "io" && c.Runt ? "runt"
                : null;
            if (drop is not null) { drops[drop] = drops.GetValueOrDefault(drop) + 1; continue; }
            var frame = (byte[])c.Frame.Clone();
            switch (mode)
            {
                case "macswap":
                    c.Frame.AsSpan(6, 6).CopyTo(frame);
                    c.Frame.AsSpan(0, 6).CopyTo(frame.AsSpan(6));
                    break;
                case "l2fwd":
                    byte[] peer = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
                    peer.CopyTo(frame, 0);
                    portMac!.CopyTo(frame, 6);
                    break;
                case "frame-reflect":
                    frame = FrameBuilder.Pad(ExpectedReply.For(c.Valid!));
                    break;
            }
            expected.Add(frame);
        }

        var actual = Pcap.Read(output);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]),
                $"packet {i}: expected {Convert.ToHexString(expected[i])}\n      got {Convert.ToHexString(actual[i])}");

        var json = SynthexRun.Report(report);
        var totals = json.GetProperty("totals");
        Assert.Equal(inputs.Count, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(expected.Count, totals.GetProperty("tx_packets").GetInt64());
        Assert.Equal(drops.Values.Sum(), totals.GetProperty("dropped").GetInt64());
        foreach (var (reason, count) in drops)
            Assert.Equal(count, totals.GetProperty("drops").GetProperty(reason).GetInt64());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.Equal(inputs.Count, json.GetProperty("ports")[0].GetProperty("rx_packets").GetInt64());
        Assert.Equal(0, json.GetProperty("gc").GetProperty("collections").GetInt64());

        if (mode == "frame-reflect") AssertChecksumsValidByTshark(output, expected.Count);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>tshark, an independent reader, must find every IPv4 header and UDP/TCP checksum good.</summary>
    private static void AssertChecksumsValidByTshark(string pcap, int packets)
    {
        var psi = new ProcessStartInfo("tshark")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                  "-T", "fields", "-E", "separator=,", "-e", "frame.number", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status" })
            psi.ArgumentList.Add(a);
        Process tshark;
        try { tshark = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("tshark is not installed: run scripts/bootstrap.sh (Debian package tshark)", e); }
        string stdout = tshark.StandardOutput.ReadToEnd();
        string stderr = tshark.StandardError.ReadToEnd();
        tshark.WaitForExit();
        Assert.True(tshark.ExitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(packets, lines.Length);
        int good = 0;
        foreach (var line in lines)
        {
            var fields = line.Split(',');
            // status: 0 bad, 1 good, 2 unverified (UDP checksum 0 over IPv4)
            Assert.DoesNotContain("0", fields.Skip(1).SelectMany(f => f.Split(';')));
            good += fields.Skip(1).SelectMany(f => f.Split(';')).Count(s => s == "1");
        }
        Assert.True(good >= packets, $"tshark verified only {good} checksums over {packets} packets:\n{stdout}");
    }

    /// <summary>The port's own MAC, from the start-up line "port 0 (net_pcap0) 02:70:63:61:70:00 socket 0: ...".</summary>
    private static byte[] PortMac(string stderr)
    {
        var line = stderr.Split('\n').First(l => l.Contains("port 0 (net_pcap0)"));
        var mac = line.Split(' ')[4];
        Assert.True(MacAddress.TryParse(mac, out var parsed), line);
        var bytes = new byte[6];
        parsed.Write(bytes);
        return bytes;
    }
}

/// <summary>DPDK processes share two cores: run these tests one at a time.</summary>
[CollectionDefinition(nameof(DpdkCollection), DisableParallelization = true)]
public sealed class DpdkCollection;
