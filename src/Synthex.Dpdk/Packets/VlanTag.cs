using System.Buffers.Binary;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// An 802.1Q (C-tag, TPID 0x8100) or 802.1ad (S-tag, TPID 0x88a8) tag: 4 bytes after the
/// source MAC; its TPID sits where the EtherType was, and the real EtherType follows it.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        TPID (0x8100/88a8)     | PCP |D|        VLAN ID        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     inner EtherType / TPID    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Here a tag is read from its TCI (the 2 bytes after the TPID) to the next EtherType.
/// </summary>
public readonly ref struct VlanTag
{
    /// <summary>Bytes a tag adds to the frame.</summary>
    public const int Length = 4;

    /// <summary>The most tags we walk (QinQ: S-tag then C-tag); more is malformed for us.</summary>
    public const int MaxTags = 2;

    private readonly ReadOnlySpan<byte> _b;

    private VlanTag(ReadOnlySpan<byte> b) => _b = b;

    /// <summary>Reads a tag from its TCI; false when fewer than 4 bytes remain.</summary>
    public static bool TryRead(ReadOnlySpan<byte> tci, out VlanTag tag)
    {
        tag = tci.Length >= Length ? new VlanTag(tci) : default;
        return tci.Length >= Length;
    }

    public static bool IsTpid(ushort etherType) => etherType is EtherType.Vlan or EtherType.Qinq;

    public int Priority => _b[0] >> 5;
    public int VlanId => BinaryPrimitives.ReadUInt16BigEndian(_b) & 0x0FFF;
    public ushort InnerEtherType => BinaryPrimitives.ReadUInt16BigEndian(_b[2..]);
}
