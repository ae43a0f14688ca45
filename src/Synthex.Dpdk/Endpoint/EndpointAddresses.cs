using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Endpoint;

/// <summary>One address the appliance owns: an IP, its prefix length, and the port it is on (null: every port).</summary>
public readonly record struct OwnedAddress(IPAddress Address, int PrefixLength, int? Port)
{
    /// <summary>
    /// Parses <c>ADDR/PREFIX</c> or <c>ADDR/PREFIX@PORT</c> (<c>10.0.0.1/24</c>,
    /// <c>fd00::1/64@1</c>); the prefix defaults to 32 / 128.
    /// </summary>
    public static bool TryParse(string text, out OwnedAddress owned, out string error)
    {
        owned = default;
        error = "";
        string s = text.Trim();
        int? port = null;
        int at = s.IndexOf('@');
        if (at >= 0)
        {
            if (!int.TryParse(s[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p >= 32)
            {
                error = $"'{text}': the port after '@' must be a port id (0..31)";
                return false;
            }
            port = p;
            s = s[..at];
        }
        int slash = s.IndexOf('/');
        string addressText = slash >= 0 ? s[..slash] : s;
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            error = $"'{text}' is not an IPv4 or IPv6 address (ADDR/PREFIX[@PORT])";
            return false;
        }
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix < 1 || prefix > max))
        {
            error = $"'{text}': the prefix length must be 1..{max}";
            return false;
        }
        byte[] bytes = address.GetAddressBytes();
        bool unicast = address.AddressFamily == AddressFamily.InterNetwork
            ? bytes[0] is not (0 or >= 224) && !IPAddress.IsLoopback(address)
            : !address.Equals(IPAddress.IPv6Any) && bytes[0] != 0xff && !IPAddress.IsLoopback(address);
        if (!unicast)
        {
            error = $"'{text}' is not a unicast address the appliance can own";
            return false;
        }
        owned = new OwnedAddress(address, prefix, port);
        return true;
    }

    /// <summary>Parses a comma-separated list (<c>--address</c>); null or empty: none.</summary>
    /// <exception cref="ConfigurationException">An entry is not an address the appliance can own (key <c>address</c>).</exception>
    public static IReadOnlyList<OwnedAddress> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var owned = new List<OwnedAddress>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(item, out var a, out string error)) throw new ConfigurationException("address", error);
            owned.Add(a);
        }
        return owned;
    }

    public override string ToString() => $"{Address}/{PrefixLength}{(Port is { } p ? $"@{p}" : "")}";
}

/// <summary>The addresses one port answers for, and its MAC. Read per packet; built once.</summary>
public sealed class PortAddresses
{
    internal PortAddresses(ulong mac, uint[] v4, UInt128[] v6)
    {
        Mac = new MacAddress(mac);
        V4 = v4;
        V6 = v6;
        SolicitedNodes = v6.Select(NeighborDiscovery.SolicitedNode).Distinct().ToArray();
    }

    public MacAddress Mac { get; }

    /// <summary>IPv4 addresses, host order of the wire value.</summary>
    public uint[] V4 { get; }

    public UInt128[] V6 { get; }

    /// <summary>The solicited-node multicast groups of <see cref="V6"/>: the port must receive them (ND).</summary>
    public UInt128[] SolicitedNodes { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Owns(uint v4)
    {
        uint[] a = V4;
        for (int i = 0; i < a.Length; i++) if (a[i] == v4) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Owns(UInt128 v6)
    {
        UInt128[] a = V6;
        for (int i = 0; i < a.Length; i++) if (a[i] == v6) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsSolicitedNode(UInt128 v6)
    {
        UInt128[] a = SolicitedNodes;
        for (int i = 0; i < a.Length; i++) if (a[i] == v6) return true;
        return false;
    }
}

/// <summary>
/// The appliance's addresses on every port, indexed by port id. Empty (no <c>--address</c>): the
/// endpoint answers no ARP, ND or echo and takes UDP for the service port whatever its
/// destination, as a capture replayed through it needs.
/// </summary>
public sealed class EndpointAddresses
{
    private readonly PortAddresses[] _ports;
    private readonly PortAddresses _none = new(0, [], []);

    /// <param name="macs">Each port's MAC, indexed by port id (ports the run does not use: 0).</param>
    public EndpointAddresses(IReadOnlyList<OwnedAddress> owned, IReadOnlyList<ulong> macs)
    {
        Owned = owned;
        IsEmpty = owned.Count == 0;
        _ports = new PortAddresses[Math.Max(macs.Count, 1)];
        for (int p = 0; p < _ports.Length; p++)
        {
            var mine = owned.Where(o => o.Port is null || o.Port == p).ToArray();
            _ports[p] = new PortAddresses(p < macs.Count ? macs[p] : 0,
                mine.Where(o => o.Address.AddressFamily == AddressFamily.InterNetwork)
                    .Select(o => BinaryPrimitives.ReadUInt32BigEndian(o.Address.GetAddressBytes())).ToArray(),
                mine.Where(o => o.Address.AddressFamily == AddressFamily.InterNetworkV6)
                    .Select(o => BinaryPrimitives.ReadUInt128BigEndian(o.Address.GetAddressBytes())).ToArray());
        }
    }

    public IReadOnlyList<OwnedAddress> Owned { get; }

    /// <summary>No address configured: promiscuous UDP, nothing else answered.</summary>
    public bool IsEmpty { get; }

    public int PortCount => _ports.Length;

    /// <summary>The addresses of port <paramref name="port"/> (a port past the table has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PortAddresses Port(int port) => (uint)port < (uint)_ports.Length ? _ports[port] : _none;
}
