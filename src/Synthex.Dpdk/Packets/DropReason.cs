namespace Synthex.Dpdk.Packets;

/// <summary>
/// Why a packet was dropped. Every drop has one, and every reason has its own counter per lcore,
/// so "nothing is lost silently" can be checked: <c>rx == replied + absorbed + Σ drops</c>.
/// </summary>
/// <remarks>
/// Names are the wire names used in the live line and in <c>--stats-json</c> (snake_case through
/// <see cref="DropReasons.Name"/>). Append new reasons before <see cref="Count"/>; the values
/// index per-lcore counter arrays.
/// </remarks>
public enum DropReason : byte
{
    /// <summary>Not a drop. Never counted.</summary>
    None = 0,
    /// <summary>Frame shorter than an Ethernet header (or a VLAN tag it announces).</summary>
    TruncatedL2,
    /// <summary>IPv4 header truncated, version/IHL wrong, or total length lies.</summary>
    BadIpv4Header,
    /// <summary>IPv6 header truncated, payload length lies, or extension chain runs off the end.</summary>
    BadIpv6Header,
    /// <summary>UDP/TCP header truncated or its length field disagrees with the IP layer.</summary>
    BadL4Length,
    /// <summary>Not IPv4/IPv6 (ARP, LLDP, ...) where the app needs IP.</summary>
    NotIp,
    /// <summary>IP but neither UDP nor TCP where the app needs L4 ports.</summary>
    UnsupportedL4,
    /// <summary>Smaller than the app can rewrite (e.g. under 14 bytes for macswap).</summary>
    Runt,
    /// <summary>
    /// Chained (multi-segment) mbuf: the apps read single-segment frames only, except head
    /// rewrites (macswap, l2fwd), which take a chain whose first segment holds the Ethernet header.
    /// </summary>
    MultiSegment,
    /// <summary>The TX queue did not take the packet (ring full).</summary>
    TxFull,
    /// <summary>The forwarding map has no output for the input port.</summary>
    NoRoute,
    /// <summary>OS backend: the provided-buffer ring was empty (ENOBUFS).</summary>
    NoBuffer,
    /// <summary>OS backend: the datagram was larger than the receive buffer (MSG_TRUNC).</summary>
    TruncatedDatagram,
    /// <summary>OS backend: zero-length datagram.</summary>
    EmptyDatagram,
    /// <summary>OS backend: sendmsg failed for a reply.</summary>
    SendFailed,
    /// <summary>Payload the app's protocol rejects (bad magic, lying length field).</summary>
    BadPayload,
    /// <summary>Endpoint: not addressed to one of the port's addresses (IP, ARP target, ND target), or not answered there (multicast echo).</summary>
    NotForUs,
    /// <summary>Endpoint: an IPv4 or IPv6 fragment; the endpoint does not reassemble.</summary>
    IpFragment,
    /// <summary>Endpoint: UDP to a port other than the service port (a host would answer port unreachable).</summary>
    ClosedPort,
    /// <summary>Endpoint: ICMP/ICMPv6 other than echo request and neighbour solicitation (or one that is malformed).</summary>
    UnhandledIcmp,
    /// <summary>A datagram or reply that does not fit: larger than the MTU, or than the buffer it must be written in.</summary>
    Oversized,
    /// <summary>Service: the source address is over its <c>--rate-limit</c> (per-source token bucket); the app never saw it.</summary>
    RateLimited,
    /// <summary>Number of reasons; sizes counter arrays.</summary>
    Count,
}

/// <summary>Wire names for <see cref="DropReason"/>, allocated once.</summary>
public static class DropReasons
{
    private static readonly string[] Names =
    [
        "none", "truncated_l2", "bad_ipv4_header", "bad_ipv6_header", "bad_l4_length", "not_ip",
        "unsupported_l4", "runt", "multi_segment", "tx_full", "no_route", "no_buffer",
        "truncated_datagram", "empty_datagram", "send_failed", "bad_payload", "not_for_us",
        "ip_fragment", "closed_port", "unhandled_icmp", "oversized",
        "rate_limited",
    ];

    /// <summary>The snake_case name used in reports.</summary>
    public static string Name(this DropReason reason) => Names[(int)reason];
}
