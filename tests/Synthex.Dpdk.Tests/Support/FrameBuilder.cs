using System.Buffers.Binary;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Support;

/// <summary>
/// Builds test frames byte by byte, independently of the views under test: Ethernet, up to two
/// VLAN tags, IPv4 (with options) or IPv6 (with extension headers), UDP or TCP, checksums
/// computed in full (RFC 1071). Shared with the integration tests (linked source).
/// </summary>
public sealed class FrameBuilder
{
    public static readonly byte[] MacA = [0x02, 0x00, 0x00, 0x00, 0x00, 0xAA];
    public static readonly byte[] MacB = [0x02, 0x00, 0x00, 0x00, 0x00, 0xBB];

    public byte[] Dst = MacB, Src = MacA;
    public ushort[] Vlans = [];       // TCIs; first is outer (S-tag when two)
    public bool Ipv6;
    public byte[] IpSrc = [10, 0, 0, 1], IpDst = [10, 0, 0, 2];
    public byte[] Ip6Src = Ip6(1), Ip6Dst = Ip6(2);
    public byte[] Ipv4Options = [];   // multiple of 4
    public byte[][] Ipv6ExtHeaders = []; // each: hop-by-hop style, length multiple of 8, next-header patched
    public byte Protocol = IpProtocol.Udp;
    public ushort SrcPort = 1234, DstPort = 9000;
    public byte Ttl = 17;
    public int PayloadLength = 18;
    public bool UdpChecksum = true;

    public static byte[] Ip6(byte last) { var a = new byte[16]; a[0] = 0xfd; a[15] = last; return a; }

    public byte[] Build()
    {
        var payload = new byte[PayloadLength];
        for (int i = 0; i < payload.Length; i++) payload[i] = (byte)(i * 7 + 3);

        byte[] l4;
        if (Protocol == IpProtocol.Udp)
        {
            l4 = new byte[8 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(l4, SrcPort);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), DstPort);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
            payload.CopyTo(l4, 8);
        }
        else if (Protocol == IpProtocol.Tcp)
        {
            l4 = new byte[20 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(l4, SrcPort);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), DstPort);
            BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), 0x01020304);
            BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), 0x0A0B0C0D);
            l4[12] = 5 << 4;
            l4[13] = 0x18; // PSH|ACK
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 512);
            payload.CopyTo(l4, 20);
        }
        else
        {
            l4 = new byte[8 + payload.Length];
            l4[0] = 8; // ICMP echo request
            payload.CopyTo(l4, 8);
        }

        byte[] l3;
        int checksumAt = Protocol == IpProtocol.Udp ? 6 : Protocol == IpProtocol.Tcp ? 16 : 2;
        if (!Ipv6)
        {
            int ihl = 20 + Ipv4Options.Length;
            l3 = new byte[ihl + l4.Length];
            l3[0] = (byte)(0x40 | (ihl / 4));
            BinaryPrimitives.WriteUInt16BigEndian(l3.AsSpan(2), (ushort)l3.Length);
            BinaryPrimitives.WriteUInt16BigEndian(l3.AsSpan(4), 0x1234);
            l3[6] = 0x40; // DF
            l3[8] = Ttl;
            l3[9] = Protocol;
            IpSrc.CopyTo(l3, 12);
            IpDst.CopyTo(l3, 16);
            Ipv4Options.CopyTo(l3, 20);
            BinaryPrimitives.WriteUInt16BigEndian(l3.AsSpan(10), ReferenceChecksum.Ipv4Header(l3.AsSpan(0, ihl)));
            l4.CopyTo(l3, ihl);
            if (Protocol != IpProtocol.Udp || UdpChecksum)
            {
                var seg = l3.AsSpan(ihl);
                ushort c = Protocol == IpProtocol.Icmp
                    ? ReferenceChecksum.Finish(ReferenceChecksum.Sum(seg))
                    : ReferenceChecksum.L4OverIpv4(l3, seg, checksumAt);
                if (Protocol == IpProtocol.Udp && c == 0) c = 0xFFFF;
                BinaryPrimitives.WriteUInt16BigEndian(seg[checksumAt..], c);
            }
        }
        else
        {
            int ext = Ipv6ExtHeaders.Sum(e => e.Length);
            l3 = new byte[40 + ext + l4.Length];
            l3[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(l3.AsSpan(4), (ushort)(ext + l4.Length));
            l3[7] = Ttl;
            Ip6Src.CopyTo(l3, 8);
            Ip6Dst.CopyTo(l3, 24);
            int at = 40;
            int nextAt = 6;
            foreach (var e in Ipv6ExtHeaders)
            {
                l3[nextAt] = IpProtocol.DestinationOptions;
                e.CopyTo(l3, at);
                l3[at + 1] = (byte)(e.Length / 8 - 1);
                nextAt = at;
                at += e.Length;
            }
            byte proto = Protocol == IpProtocol.Icmp ? IpProtocol.Icmpv6 : Protocol;
            l3[nextAt] = proto;
            l4.CopyTo(l3, at);
            var seg = l3.AsSpan(at);
            ushort c = ReferenceChecksum.L4OverIpv6(l3, seg, proto, checksumAt);
            if (Protocol == IpProtocol.Udp && c == 0) c = 0xFFFF;
            BinaryPrimitives.WriteUInt16BigEndian(seg[checksumAt..], c);
        }

        var frame = new byte[14 + 4 * Vlans.Length + l3.Length];
        Dst.CopyTo(frame, 0);
        Src.CopyTo(frame, 6);
        int o = 12;
        for (int i = 0; i < Vlans.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o), Vlans.Length == 2 && i == 0 ? EtherType.Qinq : EtherType.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o + 2), Vlans[i]);
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o), Ipv6 ? EtherType.Ipv6 : EtherType.Ipv4);
        l3.CopyTo(frame, o + 2);
        return frame;
    }

    /// <summary>Pads a frame with zeros to <paramref name="length"/> (Ethernet minimum 60 without FCS).</summary>
    public static byte[] Pad(byte[] frame, int length = 60)
        => frame.Length >= length ? frame : [.. frame, .. new byte[length - frame.Length]];

    /// <summary>An ARP request: not IP.</summary>
    public static byte[] Arp()
    {
        var f = new byte[42];
        Array.Fill<byte>(f, 0xFF, 0, 6);
        MacA.CopyTo(f, 6);
        f[12] = 0x08; f[13] = 0x06;
        f[14] = 0; f[15] = 1; f[16] = 8; f[17] = 0; f[18] = 6; f[19] = 4; f[21] = 1;
        return f;
    }
}

/// <summary>
/// What <c>reflect</c> must produce for a frame, computed independently: fields swapped,
/// TTL/hop limit 64, IPv4 header checksum recomputed in full.
/// </summary>
public static class ExpectedReply
{
    public static byte[] For(FrameBuilder b)
    {
        var r = new FrameBuilder
        {
            Dst = b.Src, Src = b.Dst, Vlans = b.Vlans, Ipv6 = b.Ipv6,
            IpSrc = b.IpDst, IpDst = b.IpSrc, Ip6Src = b.Ip6Dst, Ip6Dst = b.Ip6Src,
            Ipv4Options = b.Ipv4Options, Ipv6ExtHeaders = b.Ipv6ExtHeaders, Protocol = b.Protocol,
            SrcPort = b.DstPort, DstPort = b.SrcPort, Ttl = 64, PayloadLength = b.PayloadLength,
            UdpChecksum = b.UdpChecksum,
        };
        return r.Build();
    }
}
